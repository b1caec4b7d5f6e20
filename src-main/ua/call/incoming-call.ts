/**
 * A call that reaches us (RFC 3261 §13.3): the offer is checked first (488 with a Warning when
 * nothing in it is acceptable, RFC 3264 §6), then 180 Ringing opens the early dialog while the
 * user decides: answer (200 with our answer, retransmitted until the ACK, §13.3.1.4), reject
 * (486 Busy Here or 603 Decline), or let it ring until the caller gives up (CANCEL → 487,
 * which the transaction layer sends). An INVITE without an offer gets our offer in the 200 and
 * the answer in the ACK (§13.2.1).
 */
import { InvalidStateError } from '../../base/errors';
import { newTag } from '../../base/random-ids';
import { writeSdp } from '../../sdp/sdp-codec';
import type { NegotiatedAudio } from '../../sdp/negotiation-types';
import { createResponse, NameAddr, STATUS, type SipRequest, type SipResponse } from '../../sip';
import type { InviteServerTransaction } from '../../transaction/invite-server';
import { Call, rejectOffer, SDP } from './call';
import type { CallAccount, CallContext } from './call-context';
import { CALL_METHODS } from './call-context';
import { TwoXxRetransmitter } from './two-xx-retransmitter';

export class IncomingCall extends Call {
  readonly direction = 'incoming' as const;
  private readonly toTag = newTag();
  private retransmitter: TwoXxRetransmitter | undefined;
  private answerText: string | undefined;
  private audio: NegotiatedAudio | undefined;
  private lateOffer = false;

  constructor(
    ctx: CallContext,
    account: CallAccount,
    readonly request: SipRequest,
    private readonly tx: InviteServerTransaction,
  ) {
    const from = request.from;
    super(ctx, account, 'incoming', from.uri.toString(), from.displayName);
  }

  /**
   * Checks the offer and alerts: 180 Ringing with our To tag opens the early dialog. Returns
   * false when the call was refused here (bad or unacceptable offer); it has then ended.
   */
  async ring(): Promise<boolean> {
    try {
      await this.openOfferAnswer();
    } catch (error) {
      this.respond(createResponse(this.request, STATUS.SERVER_INTERNAL_ERROR, 'Media Unavailable', { toTag: this.toTag }));
      await this.finish({ cause: 'media', by: 'local', reason: String(error) });
      return false;
    }
    if (this.request.contentLength > 0) {
      const result = this.readOffer(this.request.bodyText);
      if (!result.ok) {
        const res = rejectOffer(this.request, result);
        res.set('To', withTag(this.request, this.toTag));
        this.respond(res);
        await this.finish({ cause: 'no-common-codec', by: 'local', status: result.status, reason: result.message });
        return false;
      }
      this.answerText = result.answerText;
      this.audio = result.audio;
    } else {
      this.lateOffer = true;
    }
    const ringing = createResponse(this.request, STATUS.RINGING, undefined, { toTag: this.toTag, headers: [['Contact', this.contact().toString()]] });
    this.dialog = this.ctx.dialogs.createUas(this.request, ringing, { localContact: this.contact(), secure: this.request.uri.scheme === 'sips' });
    this.dialog.user = this;
    this.respond(ringing);
    this.emitUpdate();
    return true;
  }

  /** Answers: 200 with our SDP; media starts at once, the call is established with the ACK. */
  async answer(): Promise<void> {
    if (this.state !== 'incoming') throw new InvalidStateError(`cannot answer a call that is ${this.state}`);
    let body = this.answerText;
    if (this.lateOffer) body = writeSdp(this.oa!.createOffer());
    const ok = createResponse(this.request, STATUS.OK, undefined, {
      toTag: this.toTag,
      body: body ?? '',
      contentType: SDP,
      headers: [
        ['Contact', this.contact().toString()],
        ['Allow', CALL_METHODS.join(', ')],
        ['Supported', 'replaces'],
        ['Server', this.ctx.userAgent],
      ],
    });
    this.enter('answering');
    this.respond(ok);
    // §12.1.1: our 2xx confirms the early dialog.
    this.dialog?.responded(ok);
    this.retransmitter = new TwoXxRetransmitter({
      clock: this.ctx.clock,
      reliable: this.tx.flow.protocol !== 'udp',
      send: () => this.respond(ok),
      onAckTimeout: () => {
        this.retransmitter = undefined;
        // §13.3.1.4: "the dialog is confirmed, but the session SHOULD be terminated" with BYE.
        void this.bye({ cause: 'no-answer', by: 'network', reason: 'no ACK for our 200 OK' });
      },
    });
    if (this.audio) await this.applyAudio(this.audio);
  }

  /** Refuses the call: 486 Busy Here (default) or 603 Decline. */
  async reject(status: number = STATUS.BUSY_HERE): Promise<void> {
    if (this.state !== 'incoming') throw new InvalidStateError(`cannot reject a call that is ${this.state}`);
    const res = createResponse(this.request, status, undefined, { toTag: this.toTag });
    this.respond(res);
    this.dialog?.responded(res);
    await this.finish({ cause: status === STATUS.DECLINE ? 'declined' : 'busy', by: 'local', status });
  }

  async hangup(): Promise<void> {
    switch (this.state) {
      case 'incoming':
        return this.reject(STATUS.DECLINE);
      case 'answering':
      case 'established':
      case 'held':
        this.retransmitter?.stop();
        return this.bye({ cause: 'completed', by: 'local' });
      default:
        return;
    }
  }

  /** The caller sent CANCEL; the transaction layer answered it and sent 487 (§9.2). */
  async cancelled(): Promise<void> {
    if (this.state !== 'incoming') return;
    await this.finish({ cause: 'cancelled', by: 'remote', status: STATUS.REQUEST_TERMINATED });
  }

  protected override receiveAck(ack: SipRequest): void {
    if (this.state !== 'answering') return;
    this.retransmitter?.stop();
    this.retransmitter = undefined;
    if (this.lateOffer) {
      this.lateOffer = false;
      void this.readAnswer(ack.bodyText).then((ok) => ok && this.state === 'answering' && this.enter('established'));
      return;
    }
    this.enter('established');
  }

  protected override async finish(end: Parameters<Call['finish']>[0]): Promise<void> {
    this.retransmitter?.stop();
    await super.finish(end);
  }

  private respond(res: SipResponse): void {
    try {
      this.tx.respond(res);
    } catch (error) {
      this.log.warn('response not sent', { status: res.status, error: String(error) });
    }
  }

  private contact(): NameAddr {
    return this.ctx.stack.contactFor(this.account.aor.user ?? 'parley', this.tx.flow.protocol, this.request.uri.scheme === 'sips');
  }
}

function withTag(request: SipRequest, tag: string): string {
  const to = request.to;
  to.tag = tag;
  return to.toString();
}
