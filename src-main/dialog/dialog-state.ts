/**
 * Dialog states (RFC 3261 §12, §13.2.2.4, §13.3.1.4, §15):
 *
 *      1xx with To tag (UAC) /           2xx (UAC) /
 *      101-199 sent (UAS)                2xx sent (UAS)
 *   ──────────────────────────► early ───────────────────► confirmed
 *                                 │                            │
 *        2xx received / sent ─────┼──────────────► confirmed   │ BYE sent or received,
 *        (no early state)         │                            │ 481/408 to an in-dialog
 *                                 │ non-2xx final, INVITE      │ request (§12.2.1.2)
 *                                 │ completed (§13.2.2.4)      │
 *                                 V                            V
 *                            terminated <──────────────────────┘
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
