/**
 * One call's audio stream (pjmedia's `stream.c`, baresip's `audio.c`), as an `AudioPort` at the
 * engine's frame rate (the device or mixer rate):
 *
 *   writeFrame(captured)  → [recorder.local] → telephone-event or resample → encode
 *                         → RTP (→ SRTP) → socket                     (once per 20 ms tick)
 *   socket → (SRTP →) RTP → telephone-event receiver, or jitter buffer (per packet)
 *   readFrame(into)       ← resample ← decode / FEC / PLC ← jitter buffer → [recorder.remote]
 *
 * The owner (the engine's ticker, or the conference mixer) calls `writeFrame` and `readFrame`
 * once per 20 ms; the session keeps no timer of its own except the once-a-second quality
 * snapshot. Hold is `direction`: not sending keeps the RTP timestamp running without packets
 * (RTCP goes on, RFC 3264 §8.4); not receiving drops incoming audio and plays silence.
 * `update(config)` applies a re-INVITE's new negotiation: a new address moves the target
 * (latching restarts), a new codec, ptime or SRTP key rebuilds the RTP session on the same
 * sockets (new SSRC, RFC 3550 §8.2 — a fresh crypto context must not reuse one, RFC 3711 §9.1).
 *
 * Buffers are preallocated; `writeFrame`/`readFrame` and the receive path allocate nothing
 * themselves (node:crypto inside SRTP and variable-length Opus payload views still do).
 */
import type { Clock, TimerHandle } from '../base/clock';
import { InvalidStateError, ValidationError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { TypedEmitter } from '../base/typed-emitter';
import type { AudioCodec, EncoderOptions } from './codecs/audio-codec';
import { createDefaultCodecRegistry, type CodecRegistry } from './codecs/registry';
import { TelephoneEventReceiver, TelephoneEventSender, type DtmfDigit } from './codecs/telephone-event';
import { samplesPerFrame, type AudioPort } from './frame';
import type { JitterBufferOptions } from './jitter/jitter-buffer';
import type { JitterStats } from './jitter/jitter-stats';
import { ReceiveChain, SendChain } from './media-session-chains';
import { checkSuite, decodeSrtpKey, validateMediaConfig, type MediaAddress, type MediaSessionConfig } from './media-session-config';
import type { CallRecorder } from './recorder';
import type { Datagram } from './rtp/datagram';
import { RtpSession, type ReceivedRtp, type RtpSessionCounters, type RtpSessionOptions } from './rtp/session';
import { SrtpSession } from './srtp/srtp-session';
import { CallQualityMonitor, type CallQualitySnapshot, type QualitySource } from './stats/call-quality';

export interface MediaSessionOptions {
  readonly clock: Clock;
  /** RTP socket (and RTCP with rtcp-mux). Owned by the caller: the session never closes it. */
  readonly socket: Datagram;
  /** RTCP socket without rtcp-mux; without it (and without mux) RTCP is off. */
  readonly rtcpSocket?: Datagram;
  readonly config: MediaSessionConfig;
  /** Rate of the frames given to `writeFrame` and taken from `readFrame` (device or mixer rate). */
  readonly sampleRate: number;
  readonly codecs?: CodecRegistry;
  readonly encoder?: EncoderOptions;
  readonly jitter?: Partial<JitterBufferOptions>;
  /** RTCP tuning, or false for none. */
  readonly rtcp?: RtpSessionOptions['rtcp'];
  /** Quality report period, ms (default 1000; 0 = no reports). */
  readonly statsIntervalMs?: number;
  readonly logger?: Logger;
}

export interface MediaDtmfEvent {
  readonly digit: DtmfDigit;
  readonly durationMs: number;
  readonly endedBy: 'end-bit' | 'timeout' | 'superseded';
}

/** The once-a-second report: E-model snapshot plus jitter-buffer, playout and RTP counters. */
export interface MediaQualityReport {
  readonly quality: CallQualitySnapshot;
  readonly jitter: JitterStats | undefined;
  readonly playout: { readonly decoded: number; readonly fec: number; readonly concealed: number; readonly silence: number; readonly decodeErrors: number };
  readonly rtp: RtpSessionCounters;
  readonly sendCodec: string;
  readonly receiveCodec: string | undefined;
}

export type MediaSessionEvents = {
  quality: [MediaQualityReport];
  dtmf: [MediaDtmfEvent];
  /** Symmetric RTP moved our target to where the peer's packets come from. */
  remoteLatched: [MediaAddress, 'rtp' | 'rtcp'];
  /** The peer sent RTCP BYE for its stream. */
  remoteBye: [string | undefined];
};

export class MediaSession extends TypedEmitter<MediaSessionEvents> implements AudioPort {
  private rate: number;
  private config: MediaSessionConfig;
  private rtp!: RtpSession;
  private send!: SendChain;
  private dtmfSender: TelephoneEventSender | undefined;
  private dtmfReceiver: TelephoneEventReceiver | undefined;
  private receiveCodecs = new Map<number, AudioCodec>();
  private readonly chains = new Map<number, ReceiveChain>();
  private active: ReceiveChain | undefined;
  private recorder: CallRecorder | undefined;
  private readonly monitor: CallQualityMonitor;
  private statsTimer: TimerHandle | undefined;
  private readonly codecs: CodecRegistry;
  private readonly log: Logger;
  private state: 'running' | 'closed' = 'running';
  /** Counters of RTP sessions replaced by `update`, so reports stay cumulative. */
  private readonly retired: RtpSessionCounters = zeroCounters();

  constructor(private readonly options: MediaSessionOptions) {
    super();
    samplesPerFrame(options.sampleRate);
    validateMediaConfig(options.config);
    this.rate = options.sampleRate;
    this.config = options.config;
    this.codecs = options.codecs ?? createDefaultCodecRegistry();
    this.log = (options.logger ?? nullLogger).child('media.session');
    this.buildSend(options.config);
    this.buildReceive(options.config);
    this.rtp = this.createRtp(options.config);
    const counters = (): RtpSessionCounters => this.counters;
    const rtp = (): RtpSession => this.rtp;
    const source: QualitySource = {
      get counters() {
        return counters();
      },
      get reception() {
        return rtp().reception;
      },
      get remoteReception() {
        return rtp().remoteReception;
      },
    };
    this.monitor = new CallQualityMonitor(source, { codec: options.config.send.name, ptimeMs: options.config.ptime });
    this.scheduleStats();
  }

  /** The negotiated configuration in force. */
  get current(): MediaSessionConfig {
    return this.config;
  }

  /** RTP counters since the session began (across `update` rebuilds). */
  get counters(): RtpSessionCounters {
    const c = this.rtp.counters;
    const r = this.retired;
    const out = zeroCounters();
    for (const k of Object.keys(out) as (keyof RtpSessionCounters)[]) out[k] = c[k] + r[k];
    return out;
  }

  get ssrc(): number {
    return this.rtp.ssrc;
  }

  /** Where RTP goes now (after symmetric latching). */
  get remoteTarget(): MediaAddress {
    return this.rtp.remoteTarget;
  }

  /** Records both sides to `recorder` (its rate must be the session's), or stops with undefined. */
  setRecorder(recorder: CallRecorder | undefined): void {
    if (recorder && recorder.sampleRate !== this.rate) {
      throw new ValidationError(`recorder runs at ${recorder.sampleRate} Hz, the session at ${this.rate} Hz`);
    }
    this.recorder = recorder;
  }

  /**
   * Queues a DTMF digit as RFC 4733 telephone-events. Throws InvalidStateError when
   * telephone-event was not negotiated or we are not sending (hold).
   */
  sendDtmf(digit: string, durationMs = 100): void {
    this.assertRunning();
    if (!this.dtmfSender) throw new InvalidStateError('telephone-event was not negotiated');
    if (!this.config.direction.sending) throw new InvalidStateError('not sending (on hold)');
    this.dtmfSender.send(digit, durationMs);
  }

  /** One 20 ms frame to send (captured, or the mix the mixer made for this leg). */
  writeFrame(frame: Int16Array): void {
    if (this.state === 'closed') return;
    this.recorder?.local.writeFrame(frame);
    const rtp = this.rtp;
    if (!this.config.direction.sending) {
      rtp.skipFrames(1);
      return;
    }
    const te = this.dtmfSender;
    if (te?.isBusy) {
      const p = te.tick(rtp.nextTimestamp);
      if (p) {
        rtp.sendPacket(this.config.telephoneEvent!.sendPayloadType, p.marker, p.timestamp, p.payload);
        rtp.skipFrames(1);
        return;
      }
    }
    const n = this.send.encode(frame);
    if (n === 0) rtp.skipFrames(1);
    else rtp.sendFrame(this.send.payload, n);
  }

  /** The next 20 ms of the far end's audio; false (and silence) when there is none. */
  readFrame(into: Int16Array): boolean {
    let got = false;
    if (this.state === 'running' && this.config.direction.receiving && this.active) got = this.active.playout.readFrame(into);
    else into.fill(0);
    this.recorder?.remote.writeFrame(into);
    return got;
  }

  /** The rate of the frames `writeFrame` takes and `readFrame` gives. */
  get sampleRate(): number {
    return this.rate;
  }

  /**
   * Applies a re-negotiation (re-INVITE / UPDATE answer). With `sampleRate`, the port moves to
   * that rate too (the engine follows a new codec's PCM rate: G.711 → G.722 becomes wideband);
   * the caller refits whatever reads and writes the frames, and a recorder must not be attached.
   */
  update(config: MediaSessionConfig, sampleRate = this.rate): void {
    this.assertRunning();
    validateMediaConfig(config);
    const rateChanged = sampleRate !== this.rate;
    if (rateChanged) {
      samplesPerFrame(sampleRate);
      if (this.recorder) throw new InvalidStateError(`cannot move a recorded session from ${this.rate} Hz to ${sampleRate} Hz`);
      this.rate = sampleRate;
      // Receive chains are made again, at the new rate, by the next packet of each payload type.
      for (const c of this.chains.values()) c.dispose();
      this.chains.clear();
      this.active = undefined;
    }
    const old = this.config;
    const rebuild =
      old.send.payloadType !== config.send.payloadType ||
      old.send.name.toLowerCase() !== config.send.name.toLowerCase() ||
      old.send.clockRate !== config.send.clockRate ||
      old.ptime !== config.ptime ||
      old.rtcp.mux !== config.rtcp.mux ||
      !sameSrtp(old.srtp, config.srtp) ||
      old.telephoneEvent?.sendPayloadType !== config.telephoneEvent?.sendPayloadType;
    const sendCodecChanged = old.send.name.toLowerCase() !== config.send.name.toLowerCase() || old.send.clockRate !== config.send.clockRate;
    if (sendCodecChanged || rateChanged) {
      const previous = this.send;
      this.buildSend(config);
      previous.dispose();
    }
    this.buildReceive(config);
    if (!old.direction.receiving && config.direction.receiving) this.active?.reset();
    this.config = config;
    if (rebuild) {
      const previous = this.rtp;
      addCounters(this.retired, previous.counters);
      previous.dispose({ bye: true, reason: 'stream renegotiated' });
      this.rtp = this.createRtp(config);
      this.log.info('RTP session rebuilt', { ssrc: this.rtp.ssrc, codec: config.send.name });
    } else if (!sameAddress(old.remote, config.remote) || (!config.rtcp.mux && !old.rtcp.mux && !sameAddress(old.rtcp, config.rtcp))) {
      this.rtp.setRemote(config.remote, config.rtcp.mux ? undefined : config.rtcp);
    }
  }

  /** Takes a quality report now (also emitted every `statsIntervalMs`). */
  report(): MediaQualityReport {
    const jb = this.active?.jitter.stats;
    const quality = this.monitor.snapshot(this.options.clock.now(), {
      delayMs: jb?.delayMs ?? 0,
      concealedFrames: this.active?.playout.counts.concealed ?? 0,
      latePackets: jb?.late ?? 0,
    });
    const counts = this.active?.playout.counts;
    return {
      quality,
      jitter: jb,
      playout: counts ? { ...counts } : { decoded: 0, fec: 0, concealed: 0, silence: 0, decodeErrors: 0 },
      rtp: this.counters,
      sendCodec: this.config.send.name,
      receiveCodec: this.active?.codec.name,
    };
  }

  /** Sends RTCP BYE, stops timers and frees codecs. The sockets stay with their owner. Idempotent. */
  dispose(reason = 'call ended'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.options.clock.clearTimeout(this.statsTimer);
    this.statsTimer = undefined;
    this.rtp.dispose({ bye: true, reason });
    this.dtmfReceiver?.dispose();
    this.send.dispose();
    for (const c of this.chains.values()) c.dispose();
    this.chains.clear();
    this.active = undefined;
  }

  private buildSend(config: MediaSessionConfig): void {
    const codec = this.codecs.find(config.send.name, config.send.clockRate);
    if (!codec) throw new ValidationError(`no codec ${config.send.name}/${config.send.clockRate}`);
    this.send = new SendChain(codec, this.rate, this.options.encoder);
  }

  private buildReceive(config: MediaSessionConfig): void {
    const map = new Map<number, AudioCodec>();
    for (const c of config.receive) {
      const codec = this.codecs.find(c.name, c.clockRate) ?? this.codecs.findStatic(c.payloadType);
      if (codec) map.set(c.payloadType, codec);
    }
    // Chains whose payload type now names another codec (or nothing) go.
    for (const [pt, chain] of this.chains) {
      if (map.get(pt) !== chain.codec) {
        chain.dispose();
        this.chains.delete(pt);
        if (this.active === chain) this.active = undefined;
      }
    }
    this.receiveCodecs = map;
    const te = config.telephoneEvent;
    if (te) {
      const same = this.config.telephoneEvent?.clockRate === te.clockRate && this.dtmfReceiver !== undefined;
      if (!same) {
        this.dtmfReceiver?.dispose();
        this.dtmfReceiver = new TelephoneEventReceiver({
          clock: this.options.clock,
          clockRate: te.clockRate,
          delegate: { onDigit: (digit, durationMs, endedBy) => this.safeEmit('dtmf', { digit, durationMs, endedBy }) },
        });
        this.dtmfSender = new TelephoneEventSender({ clockRate: te.clockRate, packetMs: 20 });
      }
    } else {
      this.dtmfReceiver?.dispose();
      this.dtmfReceiver = undefined;
      this.dtmfSender = undefined;
    }
  }

  private createRtp(config: MediaSessionConfig): RtpSession {
    let srtp: SrtpSession | undefined;
    if (config.srtp) {
      const suite = checkSuite(config.srtp.suite);
      srtp = new SrtpSession({ suite, local: decodeSrtpKey(suite, config.srtp.localKey), remote: decodeSrtpKey(suite, config.srtp.remoteKey) });
    }
    const rtcpSocket = config.rtcp.mux ? undefined : this.options.rtcpSocket;
    const rtcp = !config.rtcp.mux && !rtcpSocket ? false : this.options.rtcp;
    return new RtpSession({
      clock: this.options.clock,
      socket: this.options.socket,
      ...(rtcpSocket ? { rtcpSocket } : {}),
      remote: config.remote,
      ...(config.rtcp.mux ? {} : { remoteRtcp: { address: config.rtcp.address, port: config.rtcp.port } }),
      rtcpMux: config.rtcp.mux,
      payloadType: config.send.payloadType,
      clockRate: config.send.clockRate,
      ptimeMs: config.ptime,
      frameMs: 20,
      ...(srtp ? { srtp } : {}),
      ...(rtcp !== undefined ? { rtcp } : {}),
      logger: this.log,
      delegate: {
        onRtp: (r) => this.onRtp(r),
        onRemoteLatched: (target, kind) => this.safeEmit('remoteLatched', { address: target.address, port: target.port }, kind),
        onBye: (_ssrc, reason) => this.safeEmit('remoteBye', reason),
      },
    });
  }

  private onRtp(r: ReceivedRtp): void {
    if (this.state === 'closed') return;
    const p = r.packet;
    const te = this.config.telephoneEvent;
    if (te && p.payloadType === te.receivePayloadType) {
      // RFC 4733 events are taken even on hold: a digit is signalling, not audio.
      this.dtmfReceiver?.onPacket(p.timestamp, r.data, p.payloadOffset, p.payloadLength);
      return;
    }
    if (!this.config.direction.receiving) return;
    let chain = this.active;
    if (!chain || chain.payloadType !== p.payloadType) {
      chain = this.chains.get(p.payloadType);
      if (!chain) {
        const codec = this.receiveCodecs.get(p.payloadType);
        if (!codec) return; // RFC 3550 §5.1: a payload type we cannot play is ignored
        chain = new ReceiveChain(codec, p.payloadType, this.rate, this.options.jitter);
        this.chains.set(p.payloadType, chain);
      } else chain.reset();
      this.active = chain;
    }
    chain.put(p.sequenceNumber, p.timestamp, p.marker, p.ssrc, r.data, p.payloadOffset, p.payloadLength, r.arrivalMs);
  }

  private scheduleStats(): void {
    const every = this.options.statsIntervalMs ?? 1000;
    if (every <= 0) return;
    this.statsTimer = this.options.clock.setTimeout(() => {
      this.statsTimer = undefined;
      if (this.state === 'closed') return;
      this.safeEmit('quality', this.report());
      this.scheduleStats();
    }, every);
  }

  private assertRunning(): void {
    if (this.state === 'closed') throw new InvalidStateError('media session is closed');
  }
}

function zeroCounters(): RtpSessionCounters {
  return { packetsSent: 0, bytesSent: 0, packetsReceived: 0, bytesReceived: 0, rtcpSent: 0, rtcpReceived: 0, malformed: 0, srtpAuthFailures: 0, srtpReplays: 0, foreignSsrc: 0 };
}

function addCounters(into: RtpSessionCounters, c: RtpSessionCounters): void {
  for (const k of Object.keys(into) as (keyof RtpSessionCounters)[]) into[k] += c[k];
}

function sameAddress(a: MediaAddress, b: MediaAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

function sameSrtp(a: MediaSessionConfig['srtp'], b: MediaSessionConfig['srtp']): boolean {
  if (!a || !b) return a === b;
  return a.suite === b.suite && a.localKey === b.localKey && a.remoteKey === b.remoteKey;
}
