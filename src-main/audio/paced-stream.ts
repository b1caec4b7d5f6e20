/**
 * Clock-paced streams for devices that have no hardware clock (WAV files, tones, null): an
 * input that produces one frame every `frameMs` and an output that consumes one frame every
 * `frameMs` from a short queue, playing silence on underrun. Their clock is the media engine's
 * `EngineTicker`: inputs tick on whole multiples of the period (no drift when a timer fires
 * late, and the same instants as the engine's, so they share wake-ups); outputs half a period
 * later, so a frame written on the grid never races the output's own tick. A late clock is
 * caught up by at most `MAX_CATCH_UP` frames at once.
 */
import type { Clock } from '../base/clock';
import type { MediaError } from '../base/errors';
import { TypedEmitter } from '../base/typed-emitter';
import { EngineTicker } from '../media/engine-ticker';
import type { AudioInputEvents, AudioInputStream, AudioOutputEvents, AudioOutputStream } from './device';

const MAX_CATCH_UP = 5;

/** An input stream whose frames come from `produce(into)` once per frame period. */
export class PacedInputStream extends TypedEmitter<AudioInputEvents> implements AudioInputStream {
  private readonly buffer: Int16Array;
  private readonly ticker: EngineTicker;
  private isClosed = false;

  constructor(
    clock: Clock,
    readonly deviceId: string,
    readonly sampleRate: number,
    readonly frameSamples: number,
    private readonly produce: (into: Int16Array) => void,
    private readonly onClose: () => void = () => {},
  ) {
    super();
    this.buffer = new Int16Array(frameSamples);
    this.ticker = new EngineTicker({ clock, periodMs: (frameSamples * 1000) / sampleRate, maxCatchUp: MAX_CATCH_UP }, () => {
      this.produce(this.buffer);
      this.safeEmit('frame', this.buffer);
    });
    this.ticker.start();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Stops with an error, as a real device does when it is unplugged. */
  fail(error: MediaError): void {
    if (this.isClosed) return;
    this.safeEmit('error', error);
    this.close().catch(() => {});
  }

  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    this.ticker.stop();
    this.onClose();
    this.safeEmit('closed');
    return Promise.resolve();
  }
}

/**
 * An output stream that hands one frame per period to `consume(frame)`; frames come from a
 * ring of `queueFrames` preallocated buffers, silence when the ring is empty (an underrun).
 */
export class PacedOutputStream extends TypedEmitter<AudioOutputEvents> implements AudioOutputStream {
  private readonly ring: Int16Array[];
  private readonly silence: Int16Array;
  private head = 0;
  private count = 0;
  private readonly ticker: EngineTicker;
  private isClosed = false;
  /** Periods in which no frame was queued (silence was played). */
  underruns = 0;
  /** Frames dropped because the queue was full. */
  overruns = 0;

  constructor(
    clock: Clock,
    readonly deviceId: string,
    readonly sampleRate: number,
    readonly frameSamples: number,
    private readonly consume: (frame: Int16Array) => void,
    private readonly onClose: () => Promise<void> | void = () => {},
    queueFrames = 8,
  ) {
    super();
    this.ring = Array.from({ length: queueFrames }, () => new Int16Array(frameSamples));
    this.silence = new Int16Array(frameSamples);
    const periodMs = (frameSamples * 1000) / sampleRate;
    // Half a period after the producers (the engine, paced inputs) on the shared grid: the
    // frame written at a grid instant is always queued before this takes one.
    this.ticker = new EngineTicker({ clock, periodMs, maxCatchUp: MAX_CATCH_UP, offsetMs: periodMs / 2 }, () => this.tick());
    this.ticker.start();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get queuedFrames(): number {
    return this.count;
  }

  writeFrame(frame: Int16Array): boolean {
    if (this.isClosed) return false;
    if (this.count === this.ring.length) {
      // Full: drop the oldest so latency stays bounded.
      this.head = (this.head + 1) % this.ring.length;
      this.count--;
      this.overruns++;
    }
    const slot = this.ring[(this.head + this.count) % this.ring.length]!;
    const n = Math.min(frame.length, slot.length);
    slot.set(n === frame.length ? frame : frame.subarray(0, n));
    if (n < slot.length) slot.fill(0, n);
    this.count++;
    return true;
  }

  fail(error: MediaError): void {
    if (this.isClosed) return;
    this.safeEmit('error', error);
    this.close().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.ticker.stop();
    // Play out what is queued, as a device drains its buffer on a graceful stop.
    while (this.count > 0) this.tick();
    await this.onClose();
    this.safeEmit('closed');
  }

  private tick(): void {
    if (this.count === 0) {
      this.underruns++;
      this.consume(this.silence);
      return;
    }
    const frame = this.ring[this.head]!;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
    this.consume(frame);
  }
}
