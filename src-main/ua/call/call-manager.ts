/**
 * All calls of one user agent: places outgoing calls, receives incoming INVITEs (ringing, then
 * the user's answer or rejection, or auto-answer), routes in-dialog requests and ACKs through
 * the dialog layer, and puts a connected call on hold when the user answers a second one (call
 * waiting).
 */
import { InvalidStateError, ValidationError } from '../../base/errors';
import { TypedEmitter } from '../../base/typed-emitter';
import type { CallView } from '../../shared/model/call';
import { createResponse, METHODS, STATUS, type SipRequest } from '../../sip';
import type { InviteServerTransaction } from '../../transaction/invite-server';
import type { ServerTransaction } from '../../transaction/transaction-layer';
import type { MediaQualityReport } from '../../media/media-session';
import type { Call } from './call';
import type { CallAccount, CallContext } from './call-context';
import { isConnected } from './call-state';
import { IncomingCall } from './incoming-call';
import { OutgoingCall } from './outgoing-call';
import { parseSipUri } from '../account';
import type { Ringer } from './ringer';

export interface CallManagerEvents extends Record<string, unknown[]> {
  /** Any change of any call (state, media, hold). */
  'call.updated': [CallView];
  /** A new incoming call is ringing. */
  'call.incoming': [CallView];
  /** A call ended; its view carries `end`. */
  'call.ended': [CallView];
  'call.dtmf': [{ callId: string; digit: string; durationMs: number }];
  /** Once a second per call with media: jitter, loss, RTT, buffer delay, concealment, MOS. */
  'call.quality': [CallQualityView];
}

export interface CallQualityView {
  readonly callId: string;
  readonly codec: string;
  readonly jitterMs: number;
  readonly lossPercent: number;
  readonly rttMs: number | null;
  readonly bufferDelayMs: number;
  readonly concealedFrames: number;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  /** Frames the jitter buffer dropped to keep its delay down, and packets that came too late. */
  readonly dropped: number;
  readonly late: number;
  readonly mos: number;
}

export interface CallManagerOptions {
  /** Plays the ringtone and the call-waiting tone; none: silent alerting. */
  readonly ringer?: Ringer;
  /** Plays the ringback tone while an outgoing call rings without early media. */
  readonly ringback?: Ringer;
  /** The account an incoming INVITE arrived for (by Request-URI / To), or a direct-call account. */
  readonly accountFor: (request: SipRequest) => CallAccount;
  /** Answer incoming calls at once (a setting; the CLI's `answer` uses it). */
  readonly autoAnswer?: () => boolean;
}

const IN_DIALOG_METHODS = [METHODS.BYE, METHODS.UPDATE, METHODS.INFO, METHODS.PRACK] as const;

export class CallManager extends TypedEmitter<CallManagerEvents> {
  private readonly calls = new Map<string, Call>();
  private readonly byInvite = new Map<InviteServerTransaction, IncomingCall>();
  private readonly ignored = new Set<string>();

  constructor(
    private readonly ctx: CallContext,
    private readonly o: CallManagerOptions,
  ) {
    super();
    const { stack, dialogs } = ctx;
    stack.addDialogMatcher(dialogs.matches);
    stack.ackHandler = (ack, flow) => void dialogs.receiveAck(ack, flow);
    stack.handle(METHODS.INVITE, (req, tx) => {
      if (req.toTag !== undefined) dialogs.receiveRequest(req, tx);
      else {
        this.incoming(req, tx as InviteServerTransaction).catch((error: unknown) => {
          // Whatever went wrong, the caller gets a final answer instead of ringing forever.
          try {
            tx.respond(createResponse(req, STATUS.SERVER_INTERNAL_ERROR));
          } catch {
            // already answered
          }
          ctx.logger.warn('incoming call failed', { error: String(error) });
        });
      }
    });
    for (const m of IN_DIALOG_METHODS) {
      stack.handle(m, (req, tx) => {
        if (!dialogs.receiveRequest(req, tx)) notInDialog(req, tx);
      });
    }
    stack.on('inviteCancelled', (tx) => void this.byInvite.get(tx)?.cancelled());
    ctx.media.on('quality', (mediaId, report) => {
      const call = this.byMedia(mediaId);
      if (call) this.safeEmit('call.quality', qualityView(call.id, report));
    });
    ctx.media.on('dtmf', (mediaId, event) => {
      const call = this.byMedia(mediaId);
      if (call) this.safeEmit('call.dtmf', { callId: call.id, digit: event.digit, durationMs: event.durationMs });
    });
  }

  list(): CallView[] {
    return [...this.calls.values()].map((c) => c.view());
  }

  get(id: string): Call {
    const call = this.calls.get(id);
    if (!call) throw new ValidationError(`no call ${id}`);
    return call;
  }

  /** Places a call to `target` (a sip:/sips: URI) from `account`. */
  dial(target: string, account: CallAccount): CallView {
    const uri = parseSipUri(target, 'the call target');
    const call = new OutgoingCall(this.ctx, account, uri);
    this.track(call);
    void call.start();
    return call.view();
  }

  /** Answers an incoming call; other connected calls are put on hold first (call waiting). */
  async answer(id: string): Promise<void> {
    const call = this.get(id);
    if (!(call instanceof IncomingCall)) throw new InvalidStateError(`call ${id} is not an incoming call`);
    for (const other of this.calls.values()) {
      if (other !== call && other.currentState === 'established') await other.hold().catch(() => false);
    }
    await call.answer();
  }

  async reject(id: string, status: number = STATUS.BUSY_HERE): Promise<void> {
    const call = this.get(id);
    if (!(call instanceof IncomingCall)) throw new InvalidStateError(`call ${id} is not an incoming call`);
    await call.reject(status);
  }

  async hangup(id: string): Promise<void> {
    await this.get(id).hangup();
  }

  /** Ends every call (shutdown). */
  async hangupAll(): Promise<void> {
    await Promise.all([...this.calls.values()].map((c) => c.hangup().catch(() => {})));
  }

  /** Whether any call is connected (for call-waiting decisions). */
  hasConnectedCall(): boolean {
    return [...this.calls.values()].some((c) => isConnected(c.currentState));
  }

  private async incoming(request: SipRequest, tx: InviteServerTransaction): Promise<void> {
    const call = new IncomingCall(this.ctx, this.o.accountFor(request), request, tx);
    this.byInvite.set(tx, call);
    this.track(call);
    if (!(await call.ring())) return;
    this.safeEmit('call.incoming', call.view());
    this.updateRinger();
    if (this.o.autoAnswer?.()) await this.answer(call.id).catch(() => {});
  }

  private byMedia(mediaId: string): Call | undefined {
    for (const c of this.calls.values()) if (c.mediaId === mediaId) return c;
    return undefined;
  }

  private track(call: Call): void {
    this.calls.set(call.id, call);
    call.on('updated', (v) => {
      this.safeEmit('call.updated', v);
      this.updateRinger();
    });
    call.on('ended', (_end, view) => {
      this.calls.delete(call.id);
      for (const [tx, c] of this.byInvite) if (c === call) this.byInvite.delete(tx);
      this.ignored.delete(call.id);
      this.safeEmit('call.ended', view);
      this.updateRinger();
    });
  }

  /** Silences an incoming call without answering or rejecting it (it keeps ringing far away). */
  ignore(id: string): void {
    const call = this.get(id);
    if (call.currentState !== 'incoming') throw new InvalidStateError(`call ${id} is not ringing`);
    this.ignored.add(id);
    this.updateRinger();
  }

  /** Ringtone while a call alerts and none is up; call-waiting tone when one is; else quiet. */
  private updateRinger(): void {
    const ringback = this.o.ringback;
    if (ringback) {
      // RFC 3960 §2: local ringback while the far end alerts (180); a 183 brings its own
      // early media (state 'early'), which plays instead.
      const ringing = [...this.calls.values()].some((c) => c.direction === 'outgoing' && c.currentState === 'ringing');
      if (ringing) ringback.play('ringback');
      else ringback.stop();
    }
    const ringer = this.o.ringer;
    if (!ringer) return;
    const alerting = [...this.calls.values()].some((c) => c.currentState === 'incoming' && !this.ignored.has(c.id));
    if (!alerting) ringer.stop();
    else ringer.play(this.hasConnectedCall() ? 'callWaiting' : 'ringtone');
  }
}

function qualityView(callId: string, r: MediaQualityReport): CallQualityView {
  const q = r.quality;
  return {
    callId,
    codec: r.sendCodec,
    jitterMs: round(q.jitterMs),
    lossPercent: round(q.lossPercent),
    rttMs: q.rttMs === undefined ? null : round(q.rttMs),
    bufferDelayMs: round(q.jitterBufferDelayMs),
    concealedFrames: q.concealedFrames,
    packetsReceived: q.packetsReceived,
    packetsSent: q.packetsSent,
    dropped: r.jitter?.dropped ?? 0,
    late: r.jitter?.late ?? 0,
    mos: Math.round(q.mos * 100) / 100,
  };
}

const round = (n: number): number => Math.round(n * 10) / 10;

function notInDialog(req: SipRequest, tx: ServerTransaction): void {
  tx.respond(createResponse(req, STATUS.CALL_TRANSACTION_DOES_NOT_EXIST));
}
