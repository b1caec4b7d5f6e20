/**
 * PortAudio devices through naudiodon: the ONLY file that touches naudiodon (STYLE.md rule 9).
 * The native module is loaded lazily on first use (`createRequire` inside a function), so the
 * engine's tests and the CLI run on machines without it.
 *
 * - Ids are `hostApi:name` (`ALSA:pulse`), not PortAudio's indexes, which shift as devices
 *   come and go; the index is looked up again at every open.
 * - Streams are mono s16 at the engine rate, read and written in 20 ms chunks (TESTBED.md: one
 *   large write came back silent; 20 ms chunks with a 20 ms `highwaterMark` work).
 * - naudiodon re-initialises PortAudio on every `getDevices()`, so polling sees hot-plugs, but
 *   only while no stream is open (PortAudio's init is reference-counted): with a call running,
 *   a vanished device shows up as a stall, which the watchdog here turns into an `error`.
 * - PortAudio prints ALSA/JACK probing noise on stderr when enumerating: harmless.
 */
import { createRequire } from 'node:module';
import type * as Naudiodon from 'naudiodon';
import type { Clock, TimerHandle } from '../base/clock';
import { MediaError } from '../base/errors';
import { TypedEmitter } from '../base/typed-emitter';
import {
  deviceIdOf,
  frameSamplesOf,
  type AudioBackend,
  type AudioDeviceInfo,
  type AudioInputEvents,
  type AudioInputStream,
  type AudioOutputEvents,
  type AudioOutputStream,
  type AudioStreamOptions,
  type DeviceSelector,
} from './device';

type NaudiodonModule = typeof Naudiodon;

/** Extra time a fresh input has to deliver its first samples before the watchdog may fire. */
const STARTUP_GRACE_MS = 4000;

/** Output frames in flight that the latency control keeps (40 ms of queue beyond the device's). */
const LATENCY_TARGET_FRAMES = 2;
/** The window (writes, ≈ 1 s) whose fewest frames in flight is the backlog that never drained. */
const TRIM_WINDOW_WRITES = 50;
/** Writes to wait for a quiet frame to drop before dropping whatever comes. */
const QUIET_WAIT = 10;

/** A frame below ≈ -50 dBFS (mean square), cheap to drop unheard. */
function isQuiet(frame: Int16Array): boolean {
  let s = 0;
  for (let i = 0; i < frame.length; i++) s += frame[i]! * frame[i]!;
  return s / frame.length < 10_000;
}

let loaded: NaudiodonModule | undefined;

/** Loads naudiodon on first use; throws `MediaError('media.device')` when it is missing or broken. */
export function loadNaudiodon(): NaudiodonModule {
  if (loaded) return loaded;
  try {
    const require = createRequire(import.meta.url);
    loaded = require('naudiodon') as NaudiodonModule;
    return loaded;
  } catch (e) {
    throw new MediaError('media.device', `naudiodon (PortAudio) is not available: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export interface NaudiodonBackendOptions {
  /** Drives the stall watchdog. */
  readonly clock: Clock;
  /** A stream that delivers or accepts nothing for this long is reported failed (default 1000 ms). */
  readonly stallMs?: number;
  /** Output frames in flight before new ones are dropped (default 10 = 200 ms). */
  readonly outputQueueFrames?: number;
  /** For tests: the module to use instead of loading naudiodon. */
  readonly module?: NaudiodonModule;
}

interface Listed {
  readonly info: AudioDeviceInfo;
  readonly index: number;
}

export class NaudiodonBackend implements AudioBackend {
  readonly name = 'portaudio';

  constructor(private readonly options: NaudiodonBackendOptions) {}

  private get pa(): NaudiodonModule {
    return this.options.module ?? loadNaudiodon();
  }

  listDevices(): AudioDeviceInfo[] {
    return this.enumerate().map((d) => d.info);
  }

  openInput(id: DeviceSelector, options: AudioStreamOptions): AudioInputStream {
    const dev = this.resolve(id, true);
    const frameSamples = frameSamplesOf(options);
    const io = this.create(dev, { inOptions: this.audioOptions(dev.index, options.sampleRate, frameSamples) });
    return new PortAudioInput(io as Naudiodon.IoStreamRead, dev.info.id, options.sampleRate, frameSamples, this.options.clock, this.options.stallMs ?? 1000);
  }

  openOutput(id: DeviceSelector, options: AudioStreamOptions): AudioOutputStream {
    const dev = this.resolve(id, false);
    const frameSamples = frameSamplesOf(options);
    const io = this.create(dev, { outOptions: this.audioOptions(dev.index, options.sampleRate, frameSamples) });
    return new PortAudioOutput(io as Naudiodon.IoStreamWrite, dev.info.id, options.sampleRate, frameSamples, this.options.clock, this.options.stallMs ?? 1000, this.options.outputQueueFrames ?? 10);
  }

  private enumerate(): Listed[] {
    let devices: Naudiodon.DeviceInfo[];
    let hosts: ReturnType<NaudiodonModule['getHostAPIs']>;
    try {
      devices = this.pa.getDevices();
      hosts = this.pa.getHostAPIs();
    } catch (e) {
      throw e instanceof MediaError ? e : new MediaError('media.device', `PortAudio enumeration failed: ${String(e)}`, { cause: e });
    }
    const host = hosts.HostAPIs[hosts.defaultHostAPI];
    const seen = new Map<string, number>();
    return devices.map((d) => {
      const key = `${d.hostAPIName}:${d.name}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const info: AudioDeviceInfo = {
        id: deviceIdOf(d.hostAPIName, d.name, n),
        name: d.name,
        hostApi: d.hostAPIName,
        maxInputChannels: d.maxInputChannels,
        maxOutputChannels: d.maxOutputChannels,
        defaultSampleRate: d.defaultSampleRate,
        isDefaultInput: host?.defaultInput === d.id,
        isDefaultOutput: host?.defaultOutput === d.id,
      };
      return { info, index: d.id };
    });
  }

  private resolve(id: DeviceSelector, input: boolean): Listed {
    if (id === 'default') {
      const dev = this.enumerate().find((d) => (input ? d.info.isDefaultInput : d.info.isDefaultOutput));
      if (dev) return dev;
      throw new MediaError('media.device', `no default ${input ? 'input' : 'output'} device`);
    }
    const dev = this.enumerate().find((d) => d.info.id === id);
    if (!dev) throw new MediaError('media.device', `no such device: ${id}`);
    if ((input ? dev.info.maxInputChannels : dev.info.maxOutputChannels) < 1) {
      throw new MediaError('media.device', `${id} has no ${input ? 'input' : 'output'} channels`);
    }
    return dev;
  }

  private audioOptions(index: number, sampleRate: number, frameSamples: number): Naudiodon.AudioOptions {
    return {
      deviceId: index,
      sampleRate,
      channelCount: 1,
      sampleFormat: 16,
      framesPerBuffer: frameSamples,
      highwaterMark: frameSamples * 2,
      maxQueue: 4,
      // Status flags (xruns) must not kill the stream; naudiodon then prints them instead.
      closeOnError: false,
    };
  }

  private create(dev: Listed, opts: { inOptions: Naudiodon.AudioOptions } | { outOptions: Naudiodon.AudioOptions }): Naudiodon.IoStream {
    try {
      const io = this.pa.AudioIO(opts as { inOptions: Naudiodon.AudioOptions });
      io.start();
      return io;
    } catch (e) {
      throw new MediaError('media.device', `cannot open ${dev.info.id}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
}

/** Re-chunks whatever PortAudio delivers into exact frames, in one reused buffer. */
class PortAudioInput extends TypedEmitter<AudioInputEvents> implements AudioInputStream {
  private readonly frame: Int16Array;
  private readonly frameBytes: Uint8Array;
  private fill = 0;
  private lastData: number;
  private watchdog: TimerHandle | undefined;
  private isClosed = false;

  constructor(
    private readonly io: Naudiodon.IoStreamRead,
    readonly deviceId: string,
    readonly sampleRate: number,
    readonly frameSamples: number,
    private readonly clock: Clock,
    private readonly stallMs: number,
  ) {
    super();
    this.frame = new Int16Array(frameSamples);
    this.frameBytes = new Uint8Array(this.frame.buffer);
    // PortAudio over PulseAudio takes ≈1.2 s to deliver its first samples: allow a start-up grace.
    this.lastData = clock.now() + STARTUP_GRACE_MS;
    io.on('data', (chunk: Buffer) => this.onData(chunk));
    io.on('error', (e: unknown) => this.fail(new MediaError('media.device', `${deviceId} input failed: ${String(e)}`, { cause: e })));
    this.arm();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.clock.clearTimeout(this.watchdog);
    await new Promise<void>((resolve) => {
      try {
        this.io.quit(() => resolve());
      } catch {
        resolve();
      }
    });
    this.safeEmit('closed');
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return;
    this.lastData = this.clock.now();
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, this.frameBytes.length - this.fill);
      this.frameBytes.set(chunk.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === this.frameBytes.length) {
        this.fill = 0;
        this.safeEmit('frame', this.frame);
      }
    }
  }

  private arm(): void {
    this.watchdog = this.clock.setTimeout(() => {
      if (this.isClosed) return;
      if (this.clock.now() - this.lastData >= this.stallMs) {
        this.fail(new MediaError('media.device', `${this.deviceId} input stalled (no audio for ${this.stallMs} ms)`));
        return;
      }
      this.arm();
    }, this.stallMs / 2);
  }

  private fail(error: MediaError): void {
    if (this.isClosed) return;
    this.safeEmit('error', error);
    this.close().catch(() => {});
  }
}

/**
 * Writes 20 ms chunks from a pool of buffers; a buffer is reused only after its write completed.
 *
 * Latency is held: a backlog that never drains (PulseAudio starts playback a second after
 * capture and the first captured frames arrive in a burst, so a call can start with 200 ms
 * queued and keep it — mouth-to-ear delay, and an echo path the canceller must chase) is
 * trimmed. When the fewest frames in flight over a second stayed above `LATENCY_TARGET_FRAMES`,
 * that excess is dropped, quiet frames first (a frame is waited for up to `QUIET_WAIT` writes),
 * at most one drop in two writes.
 */
class PortAudioOutput extends TypedEmitter<AudioOutputEvents> implements AudioOutputStream {
  private readonly free: Buffer[];
  private inFlight = 0;
  private windowWrites = 0;
  private windowMin = Infinity;
  private excess = 0;
  private waited = 0;
  private lastDropped = false;
  /** Frames dropped to bring the output latency back to its target. */
  trimmed = 0;
  private lastDone: number;
  private readonly graceUntil: number;
  private watchdog: TimerHandle | undefined;
  private isClosed = false;
  /** Frames dropped because the device fell behind. */
  overruns = 0;

  constructor(
    private readonly io: Naudiodon.IoStreamWrite,
    readonly deviceId: string,
    readonly sampleRate: number,
    readonly frameSamples: number,
    private readonly clock: Clock,
    private readonly stallMs: number,
    queueFrames: number,
  ) {
    super();
    this.free = Array.from({ length: queueFrames }, () => Buffer.alloc(frameSamples * 2));
    this.lastDone = clock.now();
    // PulseAudio starts a playback stream in about a second (more on a busy machine): the first
    // writes complete, then the next ones wait until it runs. No stall is declared until then.
    this.graceUntil = clock.now() + STARTUP_GRACE_MS;
    io.on('error', (e: unknown) => this.fail(new MediaError('media.device', `${deviceId} output failed: ${String(e)}`, { cause: e })));
    this.arm();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get queuedFrames(): number {
    return this.inFlight;
  }

  writeFrame(frame: Int16Array): boolean {
    if (this.isClosed) return false;
    if (this.shouldTrim(frame)) return false;
    const buf = this.free.pop();
    if (!buf) {
      this.overruns++;
      return false;
    }
    const n = Math.min(frame.length, this.frameSamples);
    Buffer.from(frame.buffer, frame.byteOffset, n * 2).copy(buf);
    if (n < this.frameSamples) buf.fill(0, n * 2);
    if (this.inFlight++ === 0) this.lastDone = this.clock.now();
    this.io.write(buf, (err?: Error | null) => {
      this.inFlight--;
      this.lastDone = this.clock.now();
      this.free.push(buf);
      if (err) this.fail(new MediaError('media.device', `${this.deviceId} write failed: ${err.message}`, { cause: err }));
    });
    return true;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.clock.clearTimeout(this.watchdog);
    await new Promise<void>((resolve) => {
      // Drain what is queued, but never wait on a hung device for more than stallMs.
      const guard = this.clock.setTimeout(() => {
        try {
          this.io.abort();
        } catch {
          // already gone
        }
        resolve();
      }, this.stallMs);
      this.io.once('finished', () => {
        this.clock.clearTimeout(guard);
        resolve();
      });
      try {
        this.io.end();
      } catch {
        this.clock.clearTimeout(guard);
        resolve();
      }
    });
    this.safeEmit('closed');
  }

  /** Latency control (see the class comment): true when this frame is to be dropped. */
  private shouldTrim(frame: Int16Array): boolean {
    if (this.inFlight < this.windowMin) this.windowMin = this.inFlight;
    if (++this.windowWrites >= TRIM_WINDOW_WRITES) {
      this.excess = Math.max(0, this.windowMin - LATENCY_TARGET_FRAMES);
      this.windowWrites = 0;
      this.windowMin = Infinity;
    }
    if (this.excess === 0 || this.lastDropped) {
      this.lastDropped = false;
      return false;
    }
    if (!isQuiet(frame) && ++this.waited < QUIET_WAIT) return false;
    this.waited = 0;
    this.excess--;
    this.trimmed++;
    this.lastDropped = true;
    return true;
  }

  private arm(): void {
    this.watchdog = this.clock.setTimeout(() => {
      if (this.isClosed) return;
      if (this.inFlight > 0 && this.clock.now() - Math.max(this.lastDone, this.graceUntil) >= this.stallMs) {
        this.fail(new MediaError('media.device', `${this.deviceId} output stalled (no write completed for ${this.stallMs} ms)`));
        return;
      }
      this.arm();
    }, this.stallMs / 2);
  }

  private fail(error: MediaError): void {
    if (this.isClosed) return;
    this.safeEmit('error', error);
    this.isClosed = true;
    this.clock.clearTimeout(this.watchdog);
    try {
      this.io.abort();
    } catch {
      // already gone
    }
    this.safeEmit('closed');
  }
}
