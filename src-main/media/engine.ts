/**
 * The in-thread media engine: binds RTP/RTCP ports, runs one `MediaSession` per call, owns the
 * device side (one capture and one playback stream from an injected backend: naudiodon, WAV,
 * null) and runs one 20 ms cycle per captured frame.
 *
 * Pacing: the capture device's clock drives the engine — every frame the microphone delivers
 * runs one cycle at once, so the sound card, not a timer, sets the rate (no slow drift between
 * a timer and the card, and no second wake-up per 20 ms). When there is no capture device, or
 * it stops delivering for `DEVICE_SILENT_MS`, an `EngineTicker` on the injected clock takes
 * over until frames come back.
 *
 * Every cycle: the captured frame (→ echo control) is the local user's participant in a
 * `ConferenceMixer`; each session is another participant. N-1 mixing gives each leg the local
 * voice plus the other legs, and the speaker every leg: with one call that is a plain call; with
 * several unheld calls it is a conference (the calls layer holds a call to take it out: a held
 * session contributes and receives silence).
 *
 * Rates: devices run at `sampleRate` (48 kHz by default); each session runs at its codec's PCM
 * rate (8 kHz for G.711, 16 kHz for G.722, 48 kHz for Opus) and the mixer at the widest
 * session's rate, so legs are never resampled — only the local device port is, once each way,
 * however many calls there are.
 *
 * The same API runs on a worker thread (`worker/host.ts`); see `engine-api.ts`.
 */
import type { Clock, TimerHandle } from '../base/clock';
import { InvalidStateError, MediaError, ValidationError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { TypedEmitter } from '../base/typed-emitter';
import type { EncoderOptions } from './codecs/audio-codec';
import { createDefaultCodecRegistry, type CodecRegistry } from './codecs/registry';
import type { EchoControlSettings } from './echo/echo-control';
import { VoiceProcessor } from './echo/voice-processor';
import type {
  DeviceRole,
  EngineAudioBackend,
  EngineInputStream,
  EngineOutputStream,
  MediaEndpoint,
  MediaEngineApi,
  MediaEngineEvents,
  MediaEngineStats,
  MediaSessionId,
  OpenEndpointOptions,
  StartSessionOptions,
  VoiceProcessing,
} from './engine-api';
import { EngineTicker } from './engine-ticker';
import { samplesPerFrame, type AudioPort } from './frame';
import type { JitterBufferOptions } from './jitter/jitter-buffer';
import { MediaSession, type MediaQualityReport } from './media-session';
import type { MediaSessionConfig } from './media-session-config';
import { ConferenceMixer, type ParticipantId } from './mixer/conference-mixer';
import { FrameQueuePort } from './mixer/frame-queue-port';
import { CallRecorder } from './recorder';
import type { Datagram } from './rtp/datagram';
import { UdpDatagram } from './rtp/udp-datagram';

export type OpenSocket = (address: string, port: number) => Promise<Datagram>;

/** A capture device silent this long hands the pacing back to the engine's own ticker. */
export const DEVICE_SILENT_MS = 60;

export interface MediaEngineOptions {
  readonly clock: Clock;
  /** Local address to bind RTP on (and to put in SDP); default 127.0.0.1. */
  readonly address?: string;
  /** RTP port range, inclusive (default 16384..32767, even ports only). */
  readonly portMin?: number;
  readonly portMax?: number;
  /** Socket factory; default real UDP (`UdpDatagram.open`). Tests pass a MemoryNetwork. */
  readonly openSocket?: OpenSocket;
  /** Rate of devices and mixer (default 48000). */
  readonly sampleRate?: number;
  /** The device side; without it the engine runs with no capture (silence) and no playback. */
  readonly devices?: EngineAudioBackend;
  readonly inputDevice?: string;
  readonly outputDevice?: string;
  /** Echo cancellation and noise suppression on the microphone (default: both off). */
  readonly echo?: EchoControlSettings;
  readonly codecs?: CodecRegistry;
  readonly encoder?: EncoderOptions;
  readonly jitter?: Partial<JitterBufferOptions>;
  readonly statsIntervalMs?: number;
  /** Source of random port picks (tests); default Math.random. */
  readonly random?: () => number;
  readonly logger?: Logger;
}

interface Entry {
  readonly id: MediaSessionId;
  readonly socket: Datagram;
  readonly rtcpSocket: Datagram | undefined;
  readonly endpoint: MediaEndpoint;
  session: MediaSession | undefined;
  participant: ParticipantId | undefined;
  recorder: CallRecorder | undefined;
}

/** The local user in the mixer: gives the captured frame, takes what the speaker plays. */
class LocalPort implements AudioPort {
  constructor(
    readonly sampleRate: number,
    private readonly mic: Int16Array,
    private readonly play: (frame: Int16Array) => void,
  ) {}
  hasMic = false;
  readFrame(into: Int16Array): boolean {
    into.set(this.mic);
    return this.hasMic;
  }
  writeFrame(frame: Int16Array): void {
    this.play(frame);
  }
}

export class MediaEngine extends TypedEmitter<MediaEngineEvents> implements MediaEngineApi {
  readonly sampleRate: number;
  readonly address: string;
  private readonly entries = new Map<MediaSessionId, Entry>();
  private readonly ticker: EngineTicker;
  private readonly mixer: ConferenceMixer;
  private readonly mic: Int16Array;
  private readonly local: LocalPort;
  private readonly captureQueue: FrameQueuePort;
  /** The capture path's voice processing; made the first time either part is switched on. */
  private echo: VoiceProcessor | undefined;
  private readonly codecs: CodecRegistry;
  private readonly openSocket: OpenSocket;
  private readonly log: Logger;
  private input: EngineInputStream | undefined;
  private output: EngineOutputStream | undefined;
  /**
   * Playback starts with the first captured frame (or at once without a microphone): a sound
   * server can take over a second to start a stream (PortAudio on PulseAudio ≈ 1.2 s), and
   * frames written before then only pile up as latency or trip the output's stall watchdog.
   */
  private playbackLive = false;
  private captureFrames = 0;
  private captureMissing = 0;
  /** True while the capture device's frames drive the cycles (the ticker is stopped). */
  private deviceClocked = false;
  private deviceSilence: TimerHandle | undefined;
  private deviceTicks = 0;
  private unwatch: (() => void) | undefined;
  private readonly deviceSilent = (): void => this.fallBackToTicker();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: MediaEngineOptions) {
    super();
    this.sampleRate = options.sampleRate ?? 48000;
    samplesPerFrame(this.sampleRate);
    this.address = options.address ?? '127.0.0.1';
    this.codecs = options.codecs ?? createDefaultCodecRegistry();
    this.openSocket = options.openSocket ?? ((address, port) => UdpDatagram.open(address, port));
    this.log = (options.logger ?? nullLogger).child('media.engine');
    this.mic = new Int16Array(samplesPerFrame(this.sampleRate));
    this.captureQueue = new FrameQueuePort(this.sampleRate, undefined, 6);
    if (options.echo) this.configureVoice(options.echo);
    this.local = new LocalPort(this.sampleRate, this.mic, (frame) => {
      if (!this.playbackLive) return;
      // The echo reference follows what the speaker will really play: a frame the device
      // dropped (to hold its latency) is left out of it too, so the echo path stays put.
      if (this.output?.writeFrame(frame) === false) this.echo?.playbackDropped();
      else this.echo?.playback(frame);
    });
    // No session yet: the mixer rate follows the sessions (`fitMixRate`).
    this.mixer = new ConferenceMixer({ sampleRate: this.sampleRate });
    this.mixer.add('local', this.local);
    this.ticker = new EngineTicker({ clock: options.clock }, () => this.tick());
  }

  async openEndpoint(options: OpenEndpointOptions = {}): Promise<MediaEndpoint> {
    this.assertOpen();
    const withRtcp = options.rtcpPort ?? true;
    const min = this.options.portMin ?? 16384;
    const max = this.options.portMax ?? 32767;
    if (min < 1024 || max > 65534 || min > max) throw new ValidationError(`bad RTP port range ${min}..${max}`);
    const random = this.options.random ?? Math.random;
    const evens = Math.floor((max - min) / 2) + 1;
    for (let attempt = 0; attempt < 64; attempt++) {
      const port = (min + (min % 2)) + 2 * Math.floor(random() * evens);
      if (port > max || (withRtcp && port + 1 > 65535)) continue;
      const socket = await this.tryOpen(port);
      if (!socket) continue;
      let rtcpSocket: Datagram | undefined;
      if (withRtcp) {
        rtcpSocket = await this.tryOpen(port + 1);
        if (!rtcpSocket) {
          socket.close();
          continue;
        }
      }
      const id = `m${this.nextId++}`;
      const endpoint: MediaEndpoint = { id, address: this.address, port: socket.localPort, rtcpPort: rtcpSocket?.localPort };
      this.entries.set(id, { id, socket, rtcpSocket, endpoint, session: undefined, participant: undefined, recorder: undefined });
      this.log.debug('endpoint open', { id, port: endpoint.port });
      return endpoint;
    }
    throw new MediaError('media.rtp', `no free even RTP port pair in ${min}..${max} on ${this.address}`);
  }

  async startSession(id: MediaSessionId, config: MediaSessionConfig, options: StartSessionOptions = {}): Promise<void> {
    const e = this.entry(id);
    if (e.session) throw new InvalidStateError(`media session ${id} already started`);
    const session = new MediaSession({
      clock: this.options.clock,
      socket: e.socket,
      ...(e.rtcpSocket ? { rtcpSocket: e.rtcpSocket } : {}),
      config,
      sampleRate: this.sessionRate(config),
      codecs: this.codecs,
      ...(this.options.encoder ? { encoder: this.options.encoder } : {}),
      ...(this.options.jitter ? { jitter: this.options.jitter } : {}),
      ...(this.options.statsIntervalMs !== undefined ? { statsIntervalMs: this.options.statsIntervalMs } : {}),
      logger: this.log,
    });
    session.on('quality', (r) => this.safeEmit('quality', id, r));
    session.on('dtmf', (d) => this.safeEmit('dtmf', id, d));
    session.on('remoteLatched', (t, k) => this.safeEmit('remoteLatched', id, t, k));
    session.on('remoteBye', (reason) => this.safeEmit('remoteBye', id, reason));
    e.session = session;
    if (options.recordPath) this.record(e, options.recordPath);
    this.openDevices();
    e.participant = this.mixer.add(id, session);
    this.fitMixRate();
    if (!this.deviceClocked && !this.ticker.running) this.ticker.start();
  }

  async updateSession(id: MediaSessionId, config: MediaSessionConfig): Promise<void> {
    const e = this.entry(id);
    const session = this.session(id);
    // The session follows a new send codec's PCM rate (G.711 → G.722 becomes wideband), except
    // while it records: the recording keeps one rate and the session resamples instead.
    const rate = e.recorder ? session.sampleRate : this.sessionRate(config);
    session.update(config, rate);
    if (e.participant !== undefined) this.mixer.refit(e.participant);
    this.fitMixRate();
  }

  async sendDtmf(id: MediaSessionId, digit: string, durationMs?: number): Promise<void> {
    this.session(id).sendDtmf(digit, durationMs);
  }

  async setRecording(id: MediaSessionId, path: string | null): Promise<void> {
    const e = this.entry(id);
    const session = this.session(id);
    const previous = e.recorder;
    session.setRecorder(undefined);
    e.recorder = undefined;
    if (previous) await previous.close();
    if (path) this.record(e, path);
  }

  async setDevice(role: DeviceRole, device: string | null): Promise<void> {
    this.assertOpen();
    const backend = this.options.devices;
    if (!backend?.setPreferred) throw new InvalidStateError(`the ${backend?.name ?? 'absent'} device backend cannot switch devices`);
    backend.setPreferred(role, device ?? undefined);
  }

  async setVoiceProcessing(settings: VoiceProcessing): Promise<void> {
    this.assertOpen();
    if (typeof settings?.echoCancellation !== 'boolean' || typeof settings.noiseSuppression !== 'boolean') {
      throw new ValidationError('voice processing takes { echoCancellation: boolean, noiseSuppression: boolean }');
    }
    this.configureVoice(settings);
    this.log.info('voice processing', { aec: settings.echoCancellation, ns: settings.noiseSuppression });
  }

  private configureVoice(settings: VoiceProcessing): void {
    const { echoCancellation, noiseSuppression } = settings;
    if (this.echo) this.echo.configure({ echoCancellation, noiseSuppression });
    else if (echoCancellation || noiseSuppression) this.echo = new VoiceProcessor({ sampleRate: this.sampleRate, settings: { echoCancellation, noiseSuppression } });
  }

  async report(id: MediaSessionId): Promise<MediaQualityReport> {
    return this.session(id).report();
  }

  async closeEndpoint(id: MediaSessionId): Promise<void> {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    if (e.participant !== undefined) this.mixer.remove(e.participant);
    e.session?.dispose();
    e.socket.close();
    e.rtcpSocket?.close();
    if (e.recorder) await e.recorder.close();
    if (!this.hasSessions()) {
      this.ticker.stop();
      await this.closeDevices();
    } else this.fitMixRate();
  }

  async stats(): Promise<MediaEngineStats> {
    const voice = this.echo?.current();
    const canceller = this.echo?.stats();
    return {
      sessions: [...this.entries.values()].filter((e) => e.session).length,
      ticker: this.ticker.stats(),
      isolated: false,
      capture: { frames: this.captureFrames, dropped: this.captureQueue.dropped, missing: this.captureMissing },
      pacing: { clock: this.deviceClocked ? 'device' : 'timer', deviceTicks: this.deviceTicks, mixRate: this.mixer.sampleRate },
      voice: {
        echoCancellation: voice?.echoCancellation ?? false,
        noiseSuppression: voice?.noiseSuppression ?? false,
        erleDb: canceller?.erleDb,
        echoDelayMs: canceller?.measuredDelayMs,
      },
    };
  }

  /** Ticker deadline statistics, synchronously (tests, the worker entry). */
  tickerStats(): ReturnType<EngineTicker['stats']> {
    return this.ticker.stats();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const id of [...this.entries.keys()]) await this.closeEndpoint(id);
    this.closed = true;
    this.ticker.stop();
    await this.closeDevices();
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /**
   * The session's PCM rate: its send codec's (the receive side resamples any other codec the
   * peer switches to). Unknown codecs fall back to the device rate; MediaSession reports them.
   */
  private sessionRate(config: MediaSessionConfig): number {
    return this.codecs.find(config.send.name, config.send.clockRate)?.sampleRate ?? this.sampleRate;
  }

  /** Mixes at the widest session's rate (the device rate with no session). */
  private fitMixRate(): void {
    let rate = 0;
    for (const e of this.entries.values()) if (e.session && e.session.sampleRate > rate) rate = e.session.sampleRate;
    this.mixer.setSampleRate(rate || this.sampleRate);
  }

  /** A captured frame arrived: it paces the engine (see the header). */
  private onDeviceFrame(frame: Int16Array): void {
    this.playbackLive = true;
    this.captureFrames++;
    if (!this.hasSessions()) return;
    if (!this.deviceClocked) {
      // Frames queued under the ticker would stay queued as latency: start from this one.
      this.deviceClocked = true;
      this.ticker.stop();
      this.captureQueue.clear();
    }
    this.captureQueue.push(frame);
    const clock = this.options.clock;
    clock.clearTimeout(this.deviceSilence);
    this.deviceSilence = clock.setTimeout(this.deviceSilent, DEVICE_SILENT_MS);
    this.deviceTicks++;
    this.tick();
  }

  /** The capture device went quiet (unplugged, stalled, closed): the ticker paces again. */
  private fallBackToTicker(): void {
    this.options.clock.clearTimeout(this.deviceSilence);
    this.deviceSilence = undefined;
    if (!this.deviceClocked) return;
    this.deviceClocked = false;
    if (this.hasSessions() && !this.closed) this.ticker.start();
  }

  private hasSessions(): boolean {
    for (const e of this.entries.values()) if (e.session) return true;
    return false;
  }

  /** One 20 ms cycle: capture → mixer (sessions encode and send, decode and play) → speaker. */
  private tick(): void {
    const got = this.captureQueue.readFrame(this.mic);
    if (!got && this.playbackLive && this.input) this.captureMissing++;
    if (got && this.echo) this.echo.capture(this.mic);
    this.local.hasMic = got;
    this.mixer.tick();
  }

  private record(e: Entry, path: string): void {
    const rec = CallRecorder.create(path, { sampleRate: e.session!.sampleRate });
    e.recorder = rec;
    e.session!.setRecorder(rec);
  }

  private openDevices(): void {
    const backend = this.options.devices;
    if (!backend || this.input || this.output) return;
    this.unwatch ??= backend.watch?.((c) => {
      if (c.kind === 'switched') this.safeEmit('deviceChanged', c.role, c.device, c.reason);
      else if (c.kind === 'lost') this.safeEmit('deviceError', `${c.role} device lost: ${c.device}`);
      else this.safeEmit('deviceError', c.message);
    });
    const opts = { sampleRate: this.sampleRate, frameMs: 20 };
    try {
      const input = backend.openInput(this.options.inputDevice ?? 'default', opts);
      input.on('frame', (frame) => this.onDeviceFrame(frame));
      input.on('error', (err) => this.deviceFailed('input', err));
      this.input = input;
    } catch (err) {
      this.deviceFailed('input', err);
    }
    try {
      const output = backend.openOutput(this.options.outputDevice ?? 'default', opts);
      output.on('error', (err) => this.deviceFailed('output', err));
      this.output = output;
    } catch (err) {
      this.deviceFailed('output', err);
    }
    if (!this.input) this.playbackLive = true;
  }

  private async closeDevices(): Promise<void> {
    const { input, output } = this;
    this.input = undefined;
    this.output = undefined;
    this.playbackLive = false;
    this.fallBackToTicker();
    await input?.close();
    await output?.close();
  }

  private deviceFailed(which: 'input' | 'output', err: unknown): void {
    const message = `${which} device: ${err instanceof Error ? err.message : String(err)}`;
    this.log.warn('device failed', { which, message });
    if (which === 'input') {
      this.input = undefined;
      this.playbackLive = true;
      this.fallBackToTicker();
    } else this.output = undefined;
    this.safeEmit('deviceError', message);
  }

  private async tryOpen(port: number): Promise<Datagram | undefined> {
    try {
      return await this.openSocket(this.address, port);
    } catch {
      return undefined;
    }
  }

  private entry(id: MediaSessionId): Entry {
    this.assertOpen();
    const e = this.entries.get(id);
    if (!e) throw new InvalidStateError(`no media endpoint ${id}`);
    return e;
  }

  private session(id: MediaSessionId): MediaSession {
    const s = this.entry(id).session;
    if (!s) throw new InvalidStateError(`media session ${id} not started`);
    return s;
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError('media engine closed');
  }
}
