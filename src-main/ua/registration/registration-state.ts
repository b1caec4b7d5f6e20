/**
 * The registration state machine (RFC 3261 §10, RFC 5626 §4.2 and §4.5).
 *
 *                register()                 2xx
 *   unregistered ───────────▶ registering ─────────▶ registered ◀──┐
 *        ▲                      │   ▲                   │          │ 2xx
 *        │            failure   │   │ retry timer       │ refresh  │
 *        │                      ▼   │                   ▼ timer /  │
 *        │                     failed ◀──────────── refreshing ────┘
 *        │                      │        failure      (connection lost)
 *        │      unregister()    │
 *        └── unregistering ◀────┴──── (from registering, registered, refreshing)
 *
 * `failed` keeps a retry timer when the failure can heal by itself (timeouts, transport and
 * server errors); wrong credentials and refusals wait for the user.
 */
import type { RegistrationState } from '../../shared/model/registration';

export const REGISTRATION_NEXT: Readonly<Record<RegistrationState, readonly RegistrationState[]>> = {
  unregistered: ['registering'],
  registering: ['registered', 'failed', 'unregistering', 'unregistered'],
  registered: ['refreshing', 'unregistering', 'failed'],
  refreshing: ['registered', 'failed', 'unregistering'],
  failed: ['registering', 'unregistering', 'unregistered'],
  unregistering: ['unregistered'],
};

export function canMove(from: RegistrationState, to: RegistrationState): boolean {
  return REGISTRATION_NEXT[from].includes(to);
}
