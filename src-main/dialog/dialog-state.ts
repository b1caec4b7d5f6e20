/**
 * Dialog states (RFC 3261 §12, §13.2.2.3, §13.2.2.4, §13.3.1.4, §15):
 *
 *   dialog-creating request (INVITE)
 *     ├── 101-199 with To tag received (UAC) / sent (UAS) ──────────► early
 *     └── 2xx received (UAC) / sent (UAS) ──────────────────────────► confirmed
 *
 *   early ──── 2xx with its To tag ───────────────────────────────► confirmed
 *   early ──── 3xx-6xx, or the INVITE transaction completes ───────► terminated
 *   confirmed ─ BYE sent (answered or failed) or received, terminate() ─► terminated
 *
 * A dialog starts in `early` or `confirmed` depending on the response that created it.
 */
import { InvalidStateError } from '../base/errors';

export type DialogState = 'early' | 'confirmed' | 'terminated';

export const DIALOG_NEXT: Readonly<Record<DialogState, readonly DialogState[]>> = {
  early: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/** Throws InvalidStateError when `from -> to` is not in the table. */
export function checkDialogTransition(from: DialogState, to: DialogState, what = 'dialog'): void {
  if (!DIALOG_NEXT[from].includes(to)) throw new InvalidStateError(`${what}: ${from} -> ${to} is not a valid transition`);
}
