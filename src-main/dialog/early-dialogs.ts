/**
 * The dialogs of one outgoing INVITE (RFC 3261 §13.2.2.4, §12.1.2). A forking proxy may make
 * the INVITE reach several UASs: each 1xx with a new To tag opens an early dialog, each 2xx
 * confirms (or opens) the dialog of its To tag.
 *
 * - The first 2xx confirms its dialog; the caller ACKs it with `acknowledge` and the same ACK is
 *   sent again for each retransmission of that 2xx.
 * - "If the dialog identifier in the 2xx response … [is new] … the UAC … MUST … construct the
 *   ACK for each 2xx … [and] … if the UAC wishes to … [keep one session only] … it SHOULD
 *   generate a BYE": a 2xx from another fork is ACKed and then sent BYE here, by the collector.
 * - A 3xx–6xx final response ends every early dialog (§13.2.2.3); when the INVITE transaction
 *   completes (64·T1 after the first 2xx, Timer M of RFC 6026) "all the early dialogs that have
 *   not transitioned to established dialogs are terminated" (§13.2.2.4): call
 *   `transactionTerminated()` from the transaction user's `onTerminated`.
 */
import type { Logger } from '../base/logger';
import { METHODS, type SipRequest, type SipResponse } from '../sip';
import type { ClientTransaction } from '../transaction/transaction-layer';
import type { ClientTransactionUser } from '../transaction/transaction-user';
import type { Dialog, DialogRequestOptions, NewDialogOptions, SentAck } from './dialog';

/** What the collector needs of the dialog layer (dialog-layer.ts implements it). */
export interface InviteDialogHost {
  createUac(request: SipRequest, response: SipResponse, o?: NewDialogOptions): Dialog;
  sendAck(dialog: Dialog, inviteCseq: number, sdp?: string, o?: Omit<DialogRequestOptions, 'body' | 'contentType'>): Promise<SentAck>;
  resendAck(sent: SentAck): Promise<void>;
  sendRequest(dialog: Dialog, method: string, o: DialogRequestOptions, user: ClientTransactionUser): Promise<ClientTransaction>;
}

/** What one response to the INVITE means for its dialogs. */
export type InviteResponseOutcome =
  /** 1xx: `dialog` is its early dialog (undefined for 100 or a 1xx without To tag). */
  | { readonly kind: 'provisional'; readonly dialog: Dialog | undefined; readonly isNew: boolean }
  /** The first 2xx: its dialog is confirmed; send the ACK with `acknowledge(dialog, sdp?)`. */
  | { readonly kind: 'confirmed'; readonly dialog: Dialog; readonly isNew: boolean }
  /** The confirmed dialog's 2xx again: its ACK was sent again (once `acknowledge` has run). */
  | { readonly kind: 'retransmission'; readonly dialog: Dialog }
  /** A 2xx from another fork after the first one: the collector ACKs it and sends BYE. */
  | { readonly kind: 'extra-fork'; readonly dialog: Dialog; readonly isNew: boolean }
  /** A 3xx–6xx: the INVITE failed and every early dialog is terminated. */
  | { readonly kind: 'failed'; readonly status: number; readonly terminated: readonly Dialog[] }
  /** Nothing to do (a 1xx from a new fork after the call was answered or the INVITE ended). */
  | { readonly kind: 'ignored' };

/** §22.4, §13.2.2.4: "The ACK MUST contain the same credentials as the INVITE." */
const CREDENTIAL_HEADERS = ['Authorization', 'Proxy-Authorization'] as const;

export class InviteDialogs {
  private readonly byTag = new Map<string, Dialog>();
  private readonly acks = new Map<string, SentAck>();
  private readonly forkHangups: Promise<void>[] = [];
  private answered: Dialog | undefined;
  private completed = false;

  constructor(
    readonly invite: SipRequest,
    private readonly host: InviteDialogHost,
    private readonly dialogOptions: NewDialogOptions,
    private readonly log: Logger,
  ) {}

  /** The dialog the first 2xx confirmed. */
  get confirmed(): Dialog | undefined {
    return this.answered;
  }

  /** Early dialogs still alive (one per fork that sent a 1xx with To tag). */
  get early(): Dialog[] {
    return [...this.byTag.values()].filter((d) => d.state === 'early');
  }

  /** Feed every response of the INVITE's client transaction (and stray 2xx with its Call-ID). */
  receiveResponse(response: SipResponse): InviteResponseOutcome {
    const status = response.status;
    if (status >= 300) return this.failed(status);
    const tag = response.toTag;
    if (status < 200) {
      if (status === 100 || tag === undefined) return { kind: 'provisional', dialog: undefined, isNew: false };
      const known = this.byTag.get(tag);
      if (known) {
        known.receiveResponse(response);
        return { kind: 'provisional', dialog: known, isNew: false };
      }
      if (this.answered || this.completed) return { kind: 'ignored' };
      return { kind: 'provisional', dialog: this.open(response), isNew: true };
    }
    return this.success(response, tag ?? '');
  }

  /**
   * Sends the ACK for the confirmed dialog's 2xx (with `sdp` when the 2xx held the offer), with
   * the INVITE's credentials, and keeps it for 2xx retransmissions. Rejects like
   * `DialogLayer.sendAck`.
   */
  async acknowledge(dialog: Dialog, sdp?: string): Promise<SipRequest> {
    const sent = await this.host.sendAck(dialog, this.invite.cseq.seq, sdp, { headers: this.credentials() });
    this.acks.set(dialog.remoteTag, sent);
    return sent.request;
  }

  /**
   * The INVITE transaction ended (Timer M after a 2xx, or a final response, timeout or transport
   * error): every dialog still early is terminated (§13.2.2.4).
   */
  transactionTerminated(): Dialog[] {
    this.completed = true;
    const ended = this.early;
    for (const d of ended) d.terminate();
    return ended;
  }

  /** Resolves when every ACK+BYE of an extra fork has been sent (for tests and shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.forkHangups);
  }

  private open(response: SipResponse): Dialog {
    const dialog = this.host.createUac(this.invite, response, this.dialogOptions);
    this.byTag.set(dialog.remoteTag, dialog);
    return dialog;
  }

  private success(response: SipResponse, tag: string): InviteResponseOutcome {
    const known = this.byTag.get(tag);
    if (this.answered?.remoteTag === tag) {
      this.resend(tag);
      return { kind: 'retransmission', dialog: this.answered };
    }
    if (known && known.state === 'confirmed') {
      this.resend(tag);
      return { kind: 'extra-fork', dialog: known, isNew: false };
    }
    let dialog: Dialog;
    if (known && known.state === 'early') {
      known.receiveResponse(response);
      dialog = known;
    } else {
      // A 2xx for a dialog we never saw early, or one already ended: open it confirmed.
      if (known) this.byTag.delete(tag);
      dialog = this.open(response);
    }
    if (this.answered) {
      this.log.info('2xx from another fork: ACK and BYE', { dialog: dialog.describe() });
      this.forkHangups.push(this.hangUpFork(dialog));
      return { kind: 'extra-fork', dialog, isNew: !known };
    }
    this.answered = dialog;
    return { kind: 'confirmed', dialog, isNew: !known };
  }

  private failed(status: number): InviteResponseOutcome {
    this.completed = true;
    // §13.2.2.3: "All early dialogs are considered terminated upon reception of the non-2xx
    // final response."
    const terminated = this.early;
    for (const d of terminated) d.terminate();
    return { kind: 'failed', status, terminated };
  }

  /** ACK then BYE the dialog of a 2xx that lost the race (§13.2.2.4). */
  private async hangUpFork(dialog: Dialog): Promise<void> {
    try {
      const sent = await this.host.sendAck(dialog, this.invite.cseq.seq, undefined, { headers: this.credentials() });
      this.acks.set(dialog.remoteTag, sent);
      await this.host.sendRequest(dialog, METHODS.BYE, {}, {
        receiveResponse: (res) => this.log.debug('BYE to an extra fork answered', { dialog: dialog.describe(), status: res.status }),
      });
    } catch (error) {
      this.log.warn('could not hang up an extra fork', { dialog: dialog.describe(), error: String(error) });
      dialog.terminate();
    }
  }

  private resend(tag: string): void {
    const sent = this.acks.get(tag);
    if (!sent) return;
    this.host.resendAck(sent).catch((error: unknown) => this.log.info('ACK resend failed', { error: String(error) }));
  }

  private credentials(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const name of CREDENTIAL_HEADERS) for (const v of this.invite.getAll(name)) out.push([name, v]);
    return out;
  }
}
