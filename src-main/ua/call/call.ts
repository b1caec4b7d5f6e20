/**
 * One call: the state machine of call-state.ts, the media it runs (media engine endpoint and
 * session, configured from SDP negotiation), and what both directions share inside the dialog:
 * BYE both ways, re-INVITE and UPDATE offers from the far end, hold and resume (our re-INVITE),
 * DTMF. outgoing-call.ts and incoming-call.ts add how the dialog comes to be.
 */
import { InvalidStateError, ParleyError } from '../../base/errors';
import type { Logger } from '../../base/logger';
import { randomToken } from '../../base/random-ids';
import { TypedEmitter } from '../../base/typed-emitter';
import type { Dialog, DialogRequestOptions, DialogUser, SentAck } from '../../dialog/dialog';
import { glareRetryDelay } from '../../dialog/reinvite-queue';
import type { MediaEndpoint } from '../../media/engine-api';
import type { MediaQualityReport } from '../../media/media-session';
import type { LocalAudioCapabilities, NegotiatedAudio, NegotiationFailure } from '../../sdp/negotiation-types';
import { OfferAnswerSession } from '../../sdp/offer-answer';
import { parseSdp, writeSdp } from '../../sdp/sdp-codec';
import type { CallEnd, CallState, CallView } from '../../shared/model/call';
import { createResponse, METHODS, STATUS, type SipRequest, type SipResponse } from '../../sip';
import type { ServerTransaction } from '../../transaction/transaction-layer';
import type { Flow } from '../../transport/transport';
import type { CallAccount, CallContext } from './call-context';
import { CALL_METHODS, CALL_SUPPORTED } from './call-context';
import { canMoveCall, isConnected } from './call-state';
import { refreshByUpdate, SessionTimer, type SessionTimerDecision } from './session-timer';
import { TwoXxRetransmitter } from './two-xx-retransmitter';

export interface CallEvents extends Record<string, unknown[]> {
  updated: [CallView];
  ended: [CallEnd, CallView];
  dtmf: [string];
  quality: [MediaQualityReport];
}

export const SDP = 'application/sdp';

export abstract class Call extends TypedEmitter<CallEvents> implements DialogUser {
  readonly id = `call-${randomToken(10)}`;
  abstract readonly direction: 'outgoing' | 'incoming';
  protected state: CallState;
  protected dialog: Dialog | undefined;
  protected oa: OfferAnswerSession | undefined;
  protected endpoint: MediaEndpoint | undefined;
  protected mediaRunning = false;
  protected endInfo: CallEnd | undefined;
  protected codec: string | undefined;
  protected secureMedia = false;
  protected answeredAt: number | undefined;
  protected readonly startedAt: number;
  protected readonly log: Logger;
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

  protected constructor(
    protected readonly ctx: CallContext,
    readonly account: CallAccount,
    initial: CallState,
    protected remoteAddress: string,
    protected remoteName: string | undefined,
  ) {
    super();
    this.state = initial;
    this.startedAt = ctx.clock.wallNow();
    this.log = ctx.logger.child(`call.${this.id}`);
    this.onListenerError = (event, error) => this.log.warn('listener failed', { event, error: String(error) });
    const settings = ctx.preferences().sessionTimer;
    this.sessionTimer = new SessionTimer({
      clock: ctx.clock,
      logger: this.log,
      ...(settings ? { settings } : {}),
      refresh: () => void this.refreshSession(),
      expire: () => void this.bye({ cause: 'session-expired', by: 'network', reason: 'no session refresh (RFC 4028)' }),
    });
  }

  get currentState(): CallState {
    return this.state;
  }

  /** The media engine's id for this call's stream, once media is set up. */
  get mediaId(): string | undefined {
    return this.endpoint?.id;
  }

  view(): CallView {
    const v: { -readonly [K in keyof CallView]: CallView[K] } = {
      id: this.id,
      accountId: this.account.id,
      direction: this.direction,
      remote: this.remoteAddress,
      state: this.state,
      remoteHold: this.oa?.isRemoteHold ?? false,
      secure: this.secureMedia,
      startedAt: this.startedAt,
    };
    if (this.remoteName !== undefined) v.remoteName = this.remoteName;
    if (this.codec !== undefined) v.codec = this.codec;
    if (this.answeredAt !== undefined) v.answeredAt = this.answeredAt;
    if (this.endInfo !== undefined) v.end = this.endInfo;
    return v;
  }

  /** Ends the call whatever its state: CANCEL, a rejection, or BYE. */
  abstract hangup(): Promise<void>;

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

  // --- media ------------------------------------------------------------------------------

  /** Opens the media endpoint and returns SDP capabilities for it. */
  protected async mediaCapabilities(): Promise<LocalAudioCapabilities> {
    this.endpoint ??= await this.ctx.media.openEndpoint();
    const prefs = this.ctx.preferences();
    return {
      address: this.endpoint.address,
      port: this.endpoint.port,
      ...(this.endpoint.rtcpPort !== undefined ? { rtcpPort: this.endpoint.rtcpPort } : {}),
      codecs: prefs.codecs,
      srtp: prefs.srtp,
    };
  }

  protected async openOfferAnswer(): Promise<OfferAnswerSession> {
    const capabilities = await this.mediaCapabilities();
    this.oa = new OfferAnswerSession({ capabilities, logger: this.log, username: 'parley', sessionName: 'Parley call' });
    return this.oa;
  }

  /** Starts the media session, or updates it after a re-negotiation. */
  protected async applyAudio(audio: NegotiatedAudio): Promise<void> {
    if (!this.endpoint) return;
    this.codec = `${audio.send.name}/${audio.send.clockRate}`;
    this.secureMedia = audio.srtp !== null;
    try {
      if (this.mediaRunning) await this.ctx.media.updateSession(this.endpoint.id, audio);
      else {
        const recordPath = this.ctx.preferences().recordPath;
        await this.ctx.media.startSession(this.endpoint.id, audio, recordPath ? { recordPath } : {});
        this.mediaRunning = true;
      }
    } catch (error) {
      this.log.warn('media failed', { error: String(error) });
      await this.bye({ cause: 'media', by: 'local', reason: error instanceof ParleyError ? error.message : String(error) });
    }
    this.emitUpdate();
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

  /** Reads a remote offer; on success our answer is committed. */
  protected readOffer(text: string): { ok: true; answerText: string; audio: NegotiatedAudio } | NegotiationFailure | { ok: false; status: 400; reason: string; message: string } {
    let offer;
    try {
      offer = parseSdp(text);
    } catch (error) {
      return { ok: false, status: 400, reason: 'Bad SDP', message: (error as Error).message };
    }
    const oa = this.oa!;
    const accepted = oa.setRemoteOffer(offer);
    if (!accepted.ok) return accepted;
    const { answer, audio } = oa.createAnswer();
    return { ok: true, answerText: writeSdp(answer), audio };
  }

  /** Reads the answer to our outstanding offer (2xx or ACK); refuses it by hanging up. */
  protected async readAnswer(text: string): Promise<boolean> {
    const oa = this.oa!;
    let answer;
    try {
      answer = parseSdp(text);
    } catch (error) {
      oa.rollback();
      await this.bye({ cause: 'no-common-codec', by: 'local', reason: `bad SDP answer: ${(error as Error).message}` });
      return false;
    }
    const reading = oa.setRemoteAnswer(answer);
    if (!reading.ok) {
      await this.bye({ cause: 'no-common-codec', by: 'local', reason: reading.message });
      return false;
    }
    await this.applyAudio(reading.audio);
    return true;
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

  /** Terminal cleanup: media closed, dialog forgotten, `ended` emitted once. */
  protected async finish(end: CallEnd): Promise<void> {
    if (this.state === 'terminated') return;
    this.endInfo = end;
    this.reinviteRetransmitter?.stop();
    this.sessionTimer.stop();
    this.enter('terminated');
    this.dialog?.terminate();
    await this.closeMedia();
    this.safeEmit('ended', end, this.view());
  }

  /** Closes the media endpoint, if one is open (idempotent). */
  protected async closeMedia(): Promise<void> {
    const endpoint = this.endpoint;
    this.endpoint = undefined;
    if (endpoint) await this.ctx.media.closeEndpoint(endpoint.id).catch((e: unknown) => this.log.warn('closing media failed', { error: String(e) }));
  }

  protected enter(next: CallState): void {
    const prev = this.state;
    if (prev === next) return;
    if (!canMoveCall(prev, next)) throw new InvalidStateError(`call ${this.id}: illegal move ${prev} -> ${next}`);
    this.state = next;
    if ((next === 'established' || next === 'answering') && this.answeredAt === undefined) this.answeredAt = this.ctx.clock.wallNow();
    this.log.info(`${prev} -> ${next}`);
    this.emitUpdate();
  }

  protected emitUpdate(): void {
    this.safeEmit('updated', this.view());
  }

  protected contactHeaders(): [string, string][] {
    const contact = this.dialog?.localContact;
    return contact ? [['Contact', contact.toString()]] : [];
  }
}

/** 488 with a Warning (RFC 3261 §20.43) for an offer we cannot accept, 400 for bad SDP. */
export function rejectOffer(request: SipRequest, failure: { status: number; message: string; warnCode?: number }): SipResponse {
  const warn = 'warnCode' in failure && failure.warnCode !== undefined ? failure.warnCode : 399;
  const text = failure.message.replace(/["\\\r\n]/g, ' ').slice(0, 200);
  return createResponse(request, failure.status, undefined, { headers: [['Warning', `${warn} parley "${text}"`]] });
}
