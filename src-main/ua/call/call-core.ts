/**
 * What every call has, whichever way it was set up: its state (call-state.ts), its view, its
 * media (engine endpoint and session, configured from SDP offer/answer), and how it ends.
 * call.ts adds what happens inside the dialog; outgoing-call.ts and incoming-call.ts how the
 * dialog comes to be.
 */
import { InvalidStateError, ParleyError } from '../../base/errors';
import type { Logger } from '../../base/logger';
import { randomToken } from '../../base/random-ids';
import { TypedEmitter } from '../../base/typed-emitter';
import type { Dialog } from '../../dialog/dialog';
import type { MediaEndpoint } from '../../media/engine-api';
import type { MediaQualityReport } from '../../media/media-session';
import type { LocalAudioCapabilities, NegotiatedAudio, NegotiationFailure } from '../../sdp/negotiation-types';
import { OfferAnswerSession } from '../../sdp/offer-answer';
import { parseSdp, writeSdp } from '../../sdp/sdp-codec';
import type { CallEnd, CallState, CallView } from '../../shared/model/call';
import { createResponse, type SipRequest, type SipResponse } from '../../sip';
import type { CallAccount, CallContext } from './call-context';
import { canMoveCall } from './call-state';

export interface CallEvents extends Record<string, unknown[]> {
  updated: [CallView];
  ended: [CallEnd, CallView];
  dtmf: [string];
  quality: [MediaQualityReport];
}

export const SDP = 'application/sdp';

export abstract class CallCore extends TypedEmitter<CallEvents> {
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

  // --- ending -----------------------------------------------------------------------------

  /** Sends BYE (if a dialog is confirmed) and ends the call with `end` (call.ts). */
  protected abstract bye(end: CallEnd): Promise<void>;

  /** Terminal cleanup: media closed, dialog forgotten, `ended` emitted once. */
  protected async finish(end: CallEnd): Promise<void> {
    if (this.state === 'terminated') return;
    this.endInfo = end;
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
