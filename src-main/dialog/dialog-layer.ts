/**
 * The dialog layer: creates dialogs and keeps them in a table (dialog-table.ts), routes
 * in-dialog requests and the ACKs for 2xx to their dialog's user (§12.2.2, §13.3.1.4), answers
 * 481 for an unknown dialog and 500 for an out-of-order CSeq, and sends in-dialog requests and
 * ACKs through the transaction layer with the dialog's route set and remote target.
 *
 * Wiring into `SipStack` (ua/sip-stack.ts): `stack.addDialogMatcher(layer.matches)` so the UAS
 * core does not answer 481 for our dialogs, each in-dialog method's handler calls
 * `layer.receiveRequest(req, tx)`, and the transaction layer's `onAck` calls `layer.receiveAck`.
 */
import { ValidationError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { METHODS, STATUS, createResponse, type SipRequest, type SipResponse } from '../sip';
import type { ClientTransaction, ServerTransaction } from '../transaction/transaction-layer';
import type { ClientTransactionUser } from '../transaction/transaction-user';
import type { Destination, Flow } from '../transport/transport';
import { Dialog, type DialogOptions, type DialogRequestOptions, type HopResolver, type NewDialogOptions, type SentAck } from './dialog';
import { DialogTable } from './dialog-table';
import { InviteDialogs } from './early-dialogs';

/** The part of the transaction layer the dialog layer sends through (`TransactionLayer`). */
export interface DialogTransactions {
  sendRequest(request: SipRequest, dest: Destination, user: ClientTransactionUser): ClientTransaction;
  sendAck(ack: SipRequest, dest: Destination): Promise<void>;
}

export interface DialogLayerOptions {
  readonly transactions: DialogTransactions;
  /** RFC 3263 next-hop lookup, e.g. `(uri, prefs) => stack.transport.resolve(uri, prefs)`. */
  readonly resolve: HopResolver;
  readonly logger?: Logger;
}

export class DialogLayer {
  readonly table = new DialogTable();
  private readonly log: Logger;

  constructor(private readonly o: DialogLayerOptions) {
    this.log = (o.logger ?? nullLogger).child('dialog');
  }

  /** A UAC dialog (§12.1.2) from our request and a 1xx with To tag or a 2xx; added to the table. */
  createUac(request: SipRequest, response: SipResponse, o: NewDialogOptions = {}): Dialog {
    const dialog = Dialog.asUac(request, response, this.dialogOptions(o));
    this.table.add(dialog);
    return dialog;
  }

  /** A UAS dialog (§12.1.1) from the request and our 101–299 response with To tag; added to the table. */
  createUas(request: SipRequest, response: SipResponse, o: NewDialogOptions = {}): Dialog {
    const dialog = Dialog.asUas(request, response, this.dialogOptions(o));
    this.table.add(dialog);
    return dialog;
  }

  /** Collects the dialogs one outgoing INVITE creates, forks included (early-dialogs.ts). */
  forInvite(invite: SipRequest, o: NewDialogOptions = {}): InviteDialogs {
    return new InviteDialogs(invite, this, o, this.log);
  }

  /** For `SipStack.addDialogMatcher`: does an incoming request belong to one of our dialogs? */
  readonly matches = (request: SipRequest): boolean => this.table.match(request) !== undefined;

  /**
   * An incoming request (not ACK, not CANCEL). Returns false when it is outside any dialog (no
   * To tag): the caller handles it. Otherwise the layer has taken it: 481 for an unknown dialog
   * (§12.2.2), 500 for an old CSeq, else it goes to the dialog's user. A BYE ends the dialog
   * (§15.1.2); with no user on the dialog a BYE gets 200 and anything else 481.
   */
  receiveRequest(request: SipRequest, transaction: ServerTransaction): boolean {
    if (request.toTag === undefined) return false;
    const dialog = this.table.match(request);
    if (!dialog) {
      // §12.2.2: "If the UAS … does not have a matching dialog, the UAS MUST reject the request
      // with a 481 (Call/Transaction Does Not Exist) response."
      this.log.info('request for an unknown dialog', { method: request.method, callId: request.callId });
      transaction.respond(createResponse(request, STATUS.CALL_TRANSACTION_DOES_NOT_EXIST));
      return true;
    }
    const check = dialog.receiveRequest(request);
    if (!check.ok) {
      transaction.respond(createResponse(request, check.status, check.reason));
      return true;
    }
    const user = dialog.user;
    if (user) user.onRequest(request, transaction, dialog);
    else if (request.method === METHODS.BYE) transaction.respond(createResponse(request, STATUS.OK));
    else transaction.respond(createResponse(request, STATUS.CALL_TRANSACTION_DOES_NOT_EXIST));
    if (request.method === METHODS.BYE) dialog.terminate();
    return true;
  }

  /**
   * An ACK that matched no server transaction — the ACK for a 2xx (§17.2.3) — goes to its
   * dialog's user. Returns false (and drops it, §17.2.3) when no dialog matches.
   */
  receiveAck(ack: SipRequest, flow: Flow): boolean {
    const dialog = this.table.match(ack);
    if (!dialog) {
      this.log.debug('ACK for no dialog dropped', { callId: ack.callId });
      return false;
    }
    dialog.receiveRequest(ack);
    dialog.user?.onAck?.(ack, flow, dialog);
    return true;
  }

  /**
   * Builds `method` in `dialog` (§12.2.1.1), resolves its next hop and sends it through a new
   * client transaction. Every response reaches the dialog first (target refresh, §12.2.1.2),
   * then `user`. A BYE ends the dialog when its transaction ends, however it ends (§15.1.1).
   * Rejects with ValidationError / InvalidStateError (bad request, dead dialog) or
   * TransportError (no route).
   */
  async sendRequest(dialog: Dialog, method: string, o: DialogRequestOptions, user: ClientTransactionUser): Promise<ClientTransaction> {
    const dr = dialog.createRequest(method, o);
    const destination = await dr.destination();
    const isBye = method === METHODS.BYE;
    return this.o.transactions.sendRequest(dr.request, destination, {
      receiveResponse: (response) => {
        dialog.receiveResponse(response);
        user.receiveResponse(response);
        if (isBye && response.status >= 200) dialog.terminate();
      },
      onRequestTimeout: () => {
        if (isBye) dialog.terminate();
        user.onRequestTimeout?.();
      },
      onTransportError: (error) => {
        if (isBye) dialog.terminate();
        user.onTransportError?.(error);
      },
      onTerminated: () => user.onTerminated?.(),
    });
  }

  /** Builds and sends the ACK for a 2xx to the INVITE with CSeq `inviteCseq` (§13.2.2.4). */
  async sendAck(dialog: Dialog, inviteCseq: number, sdp?: string, o: Omit<DialogRequestOptions, 'body' | 'contentType'> = {}): Promise<SentAck> {
    const dr = dialog.createAck(inviteCseq, sdp, o);
    const destination = await dr.destination();
    await this.o.transactions.sendAck(dr.request, destination);
    return { request: dr.request, destination };
  }

  /** Sends a kept ACK again, for a retransmitted 2xx (§13.2.2.4). */
  resendAck(sent: SentAck): Promise<void> {
    return this.o.transactions.sendAck(sent.request, sent.destination);
  }

  /** Terminates every dialog and empties the table. */
  dispose(): void {
    for (const d of this.table.all()) d.terminate();
    this.table.clear();
  }

  private dialogOptions(o: NewDialogOptions): DialogOptions {
    if (o.initialLocalCseq !== undefined && (!Number.isInteger(o.initialLocalCseq) || o.initialLocalCseq < 1)) {
      throw new ValidationError(`initialLocalCseq must be a positive integer, not ${o.initialLocalCseq}`);
    }
    return { ...o, resolve: this.o.resolve, logger: this.o.logger ?? nullLogger };
  }
}
