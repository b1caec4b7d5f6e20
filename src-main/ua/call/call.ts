/**
 * A call inside its dialog, for both directions: BYE both ways, re-INVITE and UPDATE offers from
 * the far end (RFC 3261 §14, RFC 3311), hold and resume with our re-INVITE (491 glare retry,
 * §14.1), RFC 4028 session refresh and expiry, PRACK routing, DTMF. State, media and ending are
 * in call-core.ts.
 */
import { InvalidStateError } from '../../base/errors';
import type { Dialog, DialogRequestOptions, DialogUser, SentAck } from '../../dialog/dialog';
import { glareRetryDelay } from '../../dialog/reinvite-queue';
import type { NegotiatedAudio } from '../../sdp/negotiation-types';
import { writeSdp } from '../../sdp/sdp-codec';
import type { CallEnd, CallState } from '../../shared/model/call';
import { createResponse, METHODS, STATUS, type SipRequest, type SipResponse } from '../../sip';
import type { ServerTransaction } from '../../transaction/transaction-layer';
import type { Flow } from '../../transport/transport';
import type { CallAccount, CallContext } from './call-context';
import { CALL_METHODS, CALL_SUPPORTED } from './call-context';
import { isConnected } from './call-state';
import { refreshByUpdate, SessionTimer, type SessionTimerDecision } from './session-timer';
import { TwoXxRetransmitter } from './two-xx-retransmitter';
import { CallCore, rejectOffer, SDP } from './call-core';

export { rejectOffer, SDP, type CallEvents } from './call-core';

export abstract class Call extends CallCore implements DialogUser {
  /** Our re-INVITE in flight (RFC 3261 §14.1: one at a time). */
  private localReinvite = false;
  /** 2xx retransmissions of an answered re-INVITE from the far end, until its ACK. */
  private reinviteRetransmitter: TwoXxRetransmitter | undefined;
  /** A re-INVITE from the far end without SDP: our offer went in the 2xx, the answer comes in the ACK. */
  private offerInTwoXx = false;
  /** RFC 4028 session timer: refresh (ours) or expiry (theirs). */
  protected readonly sessionTimer: SessionTimer;
  /** The peer's Allow lists UPDATE (RFC 3311): our session refreshes are UPDATEs then. */
  protected peerAllowsUpdate = false;

  protected constructor(ctx: CallContext, account: CallAccount, initial: CallState, remoteAddress: string, remoteName: string | undefined) {
    super(ctx, account, initial, remoteAddress, remoteName);
    const settings = ctx.preferences().sessionTimer;
    this.sessionTimer = new SessionTimer({
      clock: ctx.clock,
      logger: this.log,
      ...(settings ? { settings } : {}),
      refresh: () => void this.refreshSession(),
      expire: () => void this.bye({ cause: 'session-expired', by: 'network', reason: 'no session refresh (RFC 4028)' }),
    });
  }

  /** Puts the call on hold (a=sendonly, or inactive when the far end holds us: RFC 3264 §8.4). */
  hold(): Promise<boolean> {
    if (this.state !== 'established') throw new InvalidStateError(`cannot hold a call that is ${this.state}`);
    return this.reinvite(true);
  }

  resume(): Promise<boolean> {
    if (this.state !== 'held') throw new InvalidStateError(`cannot resume a call that is ${this.state}`);
    return this.reinvite(false);
  }

  /** Sends DTMF digits as RFC 4733 telephone-events, one after another. */
  async sendDtmf(digits: string, durationMs = 160): Promise<void> {
    if (!isConnected(this.state) || !this.endpoint) throw new InvalidStateError(`cannot send DTMF in a call that is ${this.state}`);
    if (!/^[0-9A-D*#]+$/i.test(digits)) throw new InvalidStateError(`not DTMF digits: ${digits}`);
    for (const d of digits.toUpperCase()) await this.ctx.media.sendDtmf(this.endpoint.id, d, durationMs);
  }

  // --- DialogUser: requests inside our dialog -------------------------------------------

  onRequest(request: SipRequest, tx: ServerTransaction, _dialog: Dialog): void {
    switch (request.method) {
      case METHODS.BYE:
        // §15.1.2: "the UAS … MUST … generate a 2xx response to the BYE, and terminate the session".
        tx.respond(createResponse(request, STATUS.OK));
        void this.finish({ cause: 'completed', by: 'remote' });
        return;
      case METHODS.INVITE:
        this.receiveReinvite(request, tx);
        return;
      case METHODS.UPDATE:
        this.receiveUpdate(request, tx);
        return;
      case METHODS.PRACK:
        this.receivePrack(request, tx);
        return;
      case METHODS.INFO:
      case METHODS.OPTIONS:
        tx.respond(createResponse(request, STATUS.OK));
        return;
      default:
        tx.respond(createResponse(request, STATUS.METHOD_NOT_ALLOWED, undefined, { headers: [['Allow', CALL_METHODS.join(', ')]] }));
    }
  }

  onAck(ack: SipRequest, _flow: Flow, _dialog: Dialog): void {
    if (this.reinviteRetransmitter) {
      this.reinviteRetransmitter.stop();
      this.reinviteRetransmitter = undefined;
      if (this.offerInTwoXx) {
        this.offerInTwoXx = false;
        void this.readAnswer(ack.bodyText);
      }
      return;
    }
    this.receiveAck(ack);
  }

  /** The ACK of our answer to the initial INVITE (incoming calls). */
  protected receiveAck(_ack: SipRequest): void {}

  /** RFC 3262 §3: a PRACK that matches no reliable provisional response of ours gets 481. */
  protected receivePrack(request: SipRequest, tx: ServerTransaction): void {
    tx.respond(createResponse(request, STATUS.CALL_TRANSACTION_DOES_NOT_EXIST));
  }

  // --- the far end's offers inside the dialog ---------------------------------------------

  private receiveReinvite(request: SipRequest, tx: ServerTransaction): void {
    const oa = this.oa;
    if (!oa || !isConnected(this.state)) {
      tx.respond(createResponse(request, STATUS.REQUEST_PENDING, undefined, { headers: [['Retry-After', '1']] }));
      return;
    }
    // §14.2: "A UAS that receives a second INVITE before it sends the final response to a first
    // INVITE with a lower CSeq … MUST return a 500"; one that receives an INVITE while its own
    // is in progress "MUST return a 491".
    if (this.localReinvite || oa.hasOutstandingOffer()) {
      tx.respond(createResponse(request, STATUS.REQUEST_PENDING));
      return;
    }
    const timer = this.negotiateTimer(request, tx);
    if (!timer) return;
    let answerText: string;
    let audio: NegotiatedAudio | undefined;
    if (request.contentLength > 0) {
      const result = this.readOffer(request.bodyText);
      if (!result.ok) {
        tx.respond(rejectOffer(request, result));
        return;
      }
      ({ answerText, audio } = result);
    } else {
      // §14.2 with no offer: we offer in the 2xx, the answer comes in the ACK.
      answerText = writeSdp(oa.createOffer());
      this.offerInTwoXx = true;
    }
    const ok = createResponse(request, STATUS.OK, undefined, { body: answerText, contentType: SDP, headers: [...this.contactHeaders(), ...timer.headers] });
    tx.respond(ok);
    timer.commit();
    this.reinviteRetransmitter = new TwoXxRetransmitter({
      clock: this.ctx.clock,
      reliable: tx.flow.protocol !== 'udp',
      send: () => tx.respond(ok),
      onAckTimeout: () => {
        this.reinviteRetransmitter = undefined;
        void this.bye({ cause: 'no-answer', by: 'network', reason: 'no ACK for our 2xx' });
      },
    });
    if (audio) void this.applyAudio(audio);
  }

  private receiveUpdate(request: SipRequest, tx: ServerTransaction): void {
    const oa = this.oa;
    const offer = request.contentLength > 0 && oa !== undefined;
    // RFC 3311 §5.2: an UPDATE offer while one of ours is outstanding gets 491.
    if (offer && (this.localReinvite || oa.hasOutstandingOffer())) {
      tx.respond(createResponse(request, STATUS.REQUEST_PENDING));
      return;
    }
    const timer = this.negotiateTimer(request, tx);
    if (!timer) return;
    const headers = [...this.contactHeaders(), ...timer.headers];
    if (!offer) {
      // A refresh without SDP (RFC 4028 §10) or an UPDATE that only refreshes the target.
      tx.respond(createResponse(request, STATUS.OK, undefined, { headers }));
      timer.commit();
      return;
    }
    const result = this.readOffer(request.bodyText);
    if (!result.ok) {
      tx.respond(rejectOffer(request, result));
      return;
    }
    tx.respond(createResponse(request, STATUS.OK, undefined, { body: result.answerText, contentType: SDP, headers }));
    timer.commit();
    void this.applyAudio(result.audio);
  }

  /** RFC 4028 §9 for a re-INVITE or UPDATE: undefined when it was refused with 422 (§6). */
  private negotiateTimer(request: SipRequest, tx: ServerTransaction): Extract<SessionTimerDecision, { kind: 'accept' }> | undefined {
    const decision = this.sessionTimer.negotiate(request);
    if (decision.kind === 'accept') return decision;
    tx.respond(createResponse(request, STATUS.SESSION_INTERVAL_TOO_SMALL, undefined, { headers: decision.headers }));
    return undefined;
  }

  /** RFC 4028 §10: an UPDATE without SDP when the peer allows it, else a re-INVITE with the same SDP. */
  private async refreshSession(): Promise<void> {
    const dialog = this.dialog;
    if (!dialog || !isConnected(this.state) || this.localReinvite) return;
    if (!this.peerAllowsUpdate) return void (await this.reinvite(undefined));
    const r = await refreshByUpdate(this.sessionTimer, (headers) => this.sendInDialog(dialog, METHODS.UPDATE, { headers: [...headers, ['Supported', CALL_SUPPORTED]] }));
    if (r.end) await this.bye({ cause: 'session-expired', by: 'network', reason: `session refresh failed${r.status ? ` (${r.status})` : ''}` });
    else if (r.status) this.log.warn('session refresh refused', { status: r.status });
  }

  /** Sends `method` in `dialog`; resolves with its final response, or undefined (timeout, transport). */
  protected sendInDialog(dialog: Dialog, method: string, o: DialogRequestOptions): Promise<SipResponse | undefined> {
    return new Promise((resolve) => {
      this.ctx.dialogs
        .sendRequest(dialog, method, o, { receiveResponse: (r) => r.status >= 200 && resolve(r), onTerminated: () => resolve(undefined), onRequestTimeout: () => resolve(undefined), onTransportError: () => resolve(undefined) })
        .catch(() => resolve(undefined));
    });
  }

  // --- our re-INVITE: hold and resume -----------------------------------------------------

  /** Our re-INVITE: hold (true), resume (false), or a session refresh with the same SDP (undefined). */
  private async reinvite(hold: boolean | undefined, attempt = 1): Promise<boolean> {
    const dialog = this.dialog;
    const oa = this.oa;
    if (!dialog || !oa) throw new InvalidStateError('the call has no dialog');
    if (this.localReinvite) throw new InvalidStateError('a re-INVITE is already in progress');
    this.localReinvite = true;
    const offer = writeSdp(oa.createOffer(hold === undefined ? {} : { hold }));
    const response = await new Promise<SipResponse | undefined>((resolve) => {
      let sentAck: Promise<SentAck> | undefined;
      this.ctx.dialogs
        .sendRequest(dialog, METHODS.INVITE, { body: offer, contentType: SDP, headers: [...this.sessionTimer.requestHeaders(), ['Supported', CALL_SUPPORTED]] }, {
          receiveResponse: (res) => {
            if (res.status < 200) return;
            if (res.status < 300) {
              // The ACK for a 2xx is ours (§13.2.2.4), also for its retransmissions.
              if (!sentAck) {
                sentAck = this.ctx.dialogs.sendAck(dialog, res.cseq.seq);
                sentAck.catch((e: unknown) => this.log.warn('ACK not sent', { error: String(e) }));
                resolve(res);
              } else void sentAck.then((sent) => this.ctx.dialogs.resendAck(sent)).catch(() => {});
              return;
            }
            resolve(res);
          },
          onRequestTimeout: () => resolve(undefined),
          onTransportError: () => resolve(undefined),
          onTerminated: () => resolve(undefined),
        })
        .catch(() => resolve(undefined));
    });
    this.localReinvite = false;
    if (!response) {
      oa.rollback();
      // §14.1: a timeout ends the dialog.
      await this.bye({ cause: 'no-answer', by: 'network', reason: 'no answer to re-INVITE' });
      return false;
    }
    if (response.status < 300) {
      this.sessionTimer.answered(response);
      const ok = await this.readAnswer(response.bodyText);
      if (ok && isConnected(this.state) && hold !== undefined) this.enter(hold ? 'held' : 'established');
      return ok;
    }
    oa.rollback();
    if (response.status === STATUS.SESSION_INTERVAL_TOO_SMALL && attempt < 3 && this.sessionTimer.raiseToMinSE(response)) {
      return this.reinvite(hold, attempt + 1);
    }
    if (response.status === STATUS.REQUEST_PENDING && attempt < 3) {
      // §14.1: glare; retry after a random time (2.1–4 s if we own the Call-ID, else 0–2 s).
      const delay = glareRetryDelay(this.direction === 'outgoing');
      await new Promise<void>((r) => this.ctx.clock.setTimeout(r, delay));
      if (!isConnected(this.state)) return false;
      return this.reinvite(hold, attempt + 1);
    }
    if (response.status === STATUS.CALL_TRANSACTION_DOES_NOT_EXIST || response.status === STATUS.REQUEST_TIMEOUT) {
      await this.finish({ cause: hold === undefined ? 'session-expired' : 'no-answer', by: 'remote', status: response.status, reason: response.reason });
    }
    return false;
  }

  // --- ending -----------------------------------------------------------------------------

  /** Sends BYE (if a dialog is confirmed) and ends the call with `end`. */
  protected async bye(end: CallEnd): Promise<void> {
    if (this.state === 'terminated' || this.state === 'terminating') return;
    const dialog = this.dialog;
    if (dialog && dialog.state === 'confirmed') {
      this.enter('terminating');
      await this.sendInDialog(dialog, METHODS.BYE, {});
    }
    await this.finish(end);
  }

  protected override async finish(end: CallEnd): Promise<void> {
    if (this.state !== 'terminated') {
      this.reinviteRetransmitter?.stop();
      this.sessionTimer.stop();
    }
    await super.finish(end);
  }
}
