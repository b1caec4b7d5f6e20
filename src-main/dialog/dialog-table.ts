/**
 * The dialogs a user agent holds, keyed by dialog id (dialog-id.ts), and the §12.2.2 match of
 * an incoming request: "If the request has a tag in the To header field, the UAS core computes
 * the dialog identifier corresponding to the request and compares it with existing dialogs."
 * A dialog leaves the table when it terminates.
 */
import { InvalidStateError } from '../base/errors';
import type { SipRequest } from '../sip';
import type { Dialog } from './dialog';
import { dialogKey, incomingDialogId, type DialogId } from './dialog-id';

export class DialogTable {
  private readonly byKey = new Map<string, { dialog: Dialog; off: () => void }>();

  get size(): number {
    return this.byKey.size;
  }

  /** Adds a live dialog; throws InvalidStateError if its id is taken or it is terminated. */
  add(dialog: Dialog): void {
    if (dialog.isTerminated) throw new InvalidStateError(`dialog ${dialog.describe()} is terminated`);
    const existing = this.byKey.get(dialog.key);
    if (existing) {
      if (existing.dialog === dialog) return;
      throw new InvalidStateError(`a dialog ${dialog.describe()} already exists`);
    }
    const off = dialog.on('stateChanged', (to) => {
      if (to === 'terminated') this.remove(dialog);
    });
    this.byKey.set(dialog.key, { dialog, off });
  }

  remove(dialog: Dialog): void {
    const entry = this.byKey.get(dialog.key);
    if (!entry || entry.dialog !== dialog) return;
    entry.off();
    this.byKey.delete(dialog.key);
  }

  get(id: DialogId): Dialog | undefined {
    return this.byKey.get(dialogKey(id))?.dialog;
  }

  /** The dialog an incoming request (or ACK) belongs to; undefined without To tag or match. */
  match(request: SipRequest): Dialog | undefined {
    const id = incomingDialogId(request);
    return id === undefined ? undefined : this.get(id);
  }

  /** Every live dialog with this Call-ID (e.g. the forks of one call). */
  byCallId(callId: string): Dialog[] {
    return [...this.byKey.values()].filter((e) => e.dialog.callId === callId).map((e) => e.dialog);
  }

  all(): Dialog[] {
    return [...this.byKey.values()].map((e) => e.dialog);
  }

  /** Forgets every dialog (without terminating them). */
  clear(): void {
    for (const e of this.byKey.values()) e.off();
    this.byKey.clear();
  }
}
