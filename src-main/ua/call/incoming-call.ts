/**
 * A call that reaches us (RFC 3261 §13.3): the offer is checked first (488 with a Warning when
 * nothing in it is acceptable, RFC 3264 §6), then 180 Ringing opens the early dialog while the
 * user decides: answer (200 with our answer, retransmitted until the ACK, §13.3.1.4), reject
 * (486 Busy Here or 603 Decline), or let it ring until the caller gives up (CANCEL → 487,
 * which the transaction layer sends). An INVITE without an offer gets our offer in the 200 and
 * the answer in the ACK (§13.2.1).
 *
 * RFC 3262: when the caller supports or requires 100rel, the 180 is sent reliably and carries
 * the answer (or, without an offer in the INVITE, our offer, answered in the PRACK): §5 "the
 * UAS MUST send an answer in the first reliable non-failure message"; the 200 then carries no
 * SDP and waits for that PRACK (reliable-provisional.ts). RFC 4028: the INVITE's
 * Session-Expires is checked first (422) and answered in the 200 (session-timer.ts).
 */
import { InvalidStateError } from '../../base/errors';
import { newTag } from '../../base/random-ids';
import type { NegotiatedAudio } from '../../sdp/negotiation-types';
import { parseSdp, writeSdp as sdpText } from '../../sdp/sdp-codec';
import { createResponse, NameAddr, STATUS, type SipRequest, type SipResponse } from '../../sip';
import type { InviteServerTransaction } from '../../transaction/invite-server';
import type { ServerTransaction } from '../../transaction/transaction-layer';
import { Call, rejectOffer, SDP } from './call';
import type { CallAccount, CallContext } from './call-context';
import { CALL_METHODS, CALL_SUPPORTED } from './call-context';
import { hasOptionTag, OPTION_100REL, ReliableProvisionals } from './reliable-provisional';
import { allowsUpdate, type SessionTimerDecision } from './session-timer';
import { TwoXxRetransmitter } from './two-xx-retransmitter';

export class IncomingCall extends Call {
  readonly direction = 'incoming' as const;
  private readonly toTag = newTag();
  private retransmitter: TwoXxRetransmitter | undefined;
  private answerText: string | undefined;
  private audio: NegotiatedAudio | undefined;
  private lateOffer = false;
  /** RFC 3262: our reliable 1xx, retransmitted until PRACKed. */
  private reliable: ReliableProvisionals | undefined;
  /** The SDP went in the reliable 180 (the 200 carries none). */
  private sdpInProvisional = false;
  /** Our offer went in the reliable 180; the answer comes in the PRACK (§5). */
  private offerInProvisional = false;
  private answerPending = false;
  private timer: Extract<SessionTimerDecision, { kind: 'accept' }> | undefined;

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
    const timer = this.sessionTimer.negotiate(this.request);
    if (timer.kind === 'too-small') {
      // RFC 4028 §9: "the UAS MUST reject the request with a 422 response".
      this.respond(createResponse(this.request, STATUS.SESSION_INTERVAL_TOO_SMALL, undefined, { toTag: this.toTag, headers: timer.headers }));
      await this.finish({ cause: 'rejected', by: 'local', status: STATUS.SESSION_INTERVAL_TOO_SMALL, reason: 'Session Interval Too Small' });
      return false;
    }
    this.timer = timer;
    this.peerAllowsUpdate = allowsUpdate(this.request);
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
    const reliably = hasOptionTag(this.request, 'Supported', OPTION_100REL) || hasOptionTag(this.request, 'Require', OPTION_100REL);
    let sdp: string | undefined;
    if (reliably) {
      // RFC 3262 §5: the first reliable non-failure message carries the answer, or our offer.
      this.offerInProvisional = this.lateOffer;
      this.lateOffer = false;
      sdp = this.offerInProvisional ? sdpText(this.oa!.createOffer()) : this.answerText;
      this.sdpInProvisional = sdp !== undefined;
    }
    const ringing = createResponse(this.request, STATUS.RINGING, undefined, {
      toTag: this.toTag,
      headers: [['Contact', this.contact().toString()]],
      ...(sdp !== undefined ? { body: sdp, contentType: SDP } : {}),
    });
    this.dialog = this.ctx.dialogs.createUas(this.request, ringing, { localContact: this.contact(), secure: this.request.uri.scheme === 'sips' });
    this.dialog.user = this;
    if (reliably) {
      this.reliable = new ReliableProvisionals(this.request, {
        clock: this.ctx.clock,
        send: (res) => this.respond(res),
        onPrackTimeout: () => void this.prackTimeout(),
      });
      this.reliable.send(ringing);
    } else this.respond(ringing);
    this.emitUpdate();
    return true;
  }

  /** Answers: 200 with our SDP; media starts at once, the call is established with the ACK. */
  async answer(): Promise<void> {
    if (this.state !== 'incoming' || this.answerPending) throw new InvalidStateError(`cannot answer a call that is ${this.state}`);
    this.answerPending = true;
    // RFC 3262 §3: no 2xx before the PRACK of a reliable 1xx that carried SDP.
    if (this.reliable && !(await this.reliable.readyForTwoXx())) return;
    if (this.state !== 'incoming') return;
    this.reliable?.stop();
    let body = this.sdpInProvisional ? undefined : this.answerText;
    if (this.lateOffer) body = sdpText(this.oa!.createOffer());
    const ok = createResponse(this.request, STATUS.OK, undefined, {
      toTag: this.toTag,
      ...(body !== undefined ? { body, contentType: SDP } : {}),
      headers: [
        ['Contact', this.contact().toString()],
        ['Allow', CALL_METHODS.join(', ')],
        ['Supported', CALL_SUPPORTED],
        ...(this.timer?.headers ?? []),
        ['Server', this.ctx.userAgent],
      ],
    });
    this.enter('answering');
    this.respond(ok);
    this.timer?.commit();
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
    this.reliable?.stop();
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

  /** RFC 3262 §3: the PRACK of our reliable 180 gets 200 (and carries the answer to an offer in it). */
  protected override receivePrack(request: SipRequest, tx: ServerTransaction): void {
    if (!this.reliable?.acknowledge(request)) return super.receivePrack(request, tx);
    if (this.offerInProvisional) {
      this.offerInProvisional = false;
      const reading = request.contentLength > 0 ? this.readEarlyAnswer(request.bodyText) : undefined;
      if (!reading) this.log.warn('no usable answer in the PRACK');
    }
    tx.respond(createResponse(request, STATUS.OK));
  }

  /** Takes the answer now; media starts when the user answers. */
  private readEarlyAnswer(text: string): boolean {
    try {
      const reading = this.oa!.setRemoteAnswer(parseSdp(text));
      if (reading.ok) this.audio = reading.audio;
      return reading.ok;
    } catch {
      this.oa!.rollback();
      return false;
    }
  }

  /** §3: no PRACK for 64·T1: the INVITE is answered with a 5xx and the call ends. */
  private async prackTimeout(): Promise<void> {
    if (this.state !== 'incoming') return;
    const res = createResponse(this.request, STATUS.SERVER_INTERNAL_ERROR, 'Reliable Provisional Response Not Acknowledged', { toTag: this.toTag });
    this.respond(res);
    this.dialog?.responded(res);
    await this.finish({ cause: 'network', by: 'network', status: res.status, reason: 'no PRACK for our reliable 180' });
  }

  protected override async finish(end: Parameters<Call['finish']>[0]): Promise<void> {
    this.retransmitter?.stop();
    this.reliable?.stop();
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
