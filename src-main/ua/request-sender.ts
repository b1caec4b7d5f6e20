import type { TransportError } from '../base/errors';
import type { SipRequest, SipResponse } from '../sip';

/**
 * How the user-agent layer sends an out-of-dialog non-INVITE request (REGISTER, OPTIONS,
 * MESSAGE, SUBSCRIBE …): one client transaction per call, the outcome as a value.
 */
export type RequestOutcome =
  | { readonly kind: 'response'; readonly response: SipResponse }
  /** Timer F fired (RFC 3261 §17.1.2.2): treated like a 408 by the TU (§8.1.3.1). */
  | { readonly kind: 'timeout' }
  /** The transport failed (RFC 3261 §17.1.4): treated like a 503 by the TU (§8.1.3.1). */
  | { readonly kind: 'transport-error'; readonly error: TransportError };

export interface RequestSender {
  /**
   * Sends `request` in a new client transaction. Provisional responses go to `onProvisional`;
   * the promise resolves with the final outcome and never rejects.
   */
  send(request: SipRequest, onProvisional?: (response: SipResponse) => void): Promise<RequestOutcome>;
}

/**
 * Adds credentials to a request after a 401/407 (RFC 3261 §22.2, §22.3). Returns false when it
 * cannot answer the challenge (no password, unsupported algorithm, or the challenge repeats the
 * nonce just answered in this exchange without stale=true: then the credentials are wrong).
 * `attempt` is 1 for the first challenge of a request, 2 for a challenge to its retry, …:
 * a registrar may hand out the same nonce to a later, separate request (Kamailio does within
 * one second), which is no sign of a wrong password.
 */
export interface Authenticator {
  authorize(request: SipRequest, challenge: SipResponse, attempt: number): boolean;
}
