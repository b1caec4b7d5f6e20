/**
 * The capture-path echo and noise control of one call: what the speaker plays is the echo
 * reference (`playback`), what the microphone captures is cleaned (`capture`): echo
 * cancellation first (it needs the raw signal, linear in the echo), then noise suppression.
 * Both are switchable live from settings (`configure`); switching the canceller on starts it
 * fresh.
 *
 * The reference goes through a delay line: the newest played frame at delay 0, older audio as
 * the delay grows. The delay follows `EchoDelayEstimator` (the echo path's measured bulk
 * delay, less a 30 ms margin so the direct path sits inside the canceller's tail), unless
 * `referenceDelayMs` fixes it. A new delay restarts the canceller, which converges again in a
 * few seconds of far-end speech.
 */
import { samplesPerFrame } from '../frame';
import { EchoCanceller, type EchoCancellerStats } from './echo-canceller';
import { EchoDelayEstimator } from './echo-delay-estimator';
import { NoiseSuppressor } from './noise-suppressor';

export interface EchoControlSettings {
  readonly echoCancellation: boolean;
  readonly noiseSuppression: boolean;
}

export interface EchoControlOptions {
  readonly sampleRate: number;
  readonly settings: EchoControlSettings;
  /** Echo tail the canceller covers (default 128 ms). */
  readonly tailMs?: number;
  /** A fixed bulk delay for the reference, in ms; default: measured (`EchoDelayEstimator`). */
  readonly referenceDelayMs?: number;
  /** The longest echo path delay looked for (default 600 ms). */
  readonly maxDelayMs?: number;
}

export interface EchoControlStats extends EchoCancellerStats {
  /** The bulk delay applied to the reference, in ms. */
  readonly referenceDelayMs: number;
  /** The echo path delay measured, and how well the envelopes matched there (0..1). */
  readonly measuredDelayMs: number | undefined;
  readonly delayCorrelation: number | undefined;
}

/** Where the direct echo lands in the canceller's tail once the delay is applied. */
const MARGIN_MS = 30;

export class EchoControl {
  readonly sampleRate: number;
  private settings: EchoControlSettings;
  private aec: EchoCanceller | undefined;
  private ns: NoiseSuppressor | undefined;
  private readonly frame: number;
  /** Played audio, newest at `written`; holds the longest delay plus two frames. */
  private readonly line: Int16Array;
  private written = 0;
  private playedSinceCapture = false;
  private delaySamples: number;
  private readonly ref: Int16Array;
  private readonly newest: Int16Array;
  private readonly estimator: EchoDelayEstimator | undefined;

  constructor(private readonly options: EchoControlOptions) {
    this.sampleRate = options.sampleRate;
    this.settings = options.settings;
    this.frame = samplesPerFrame(options.sampleRate);
    const maxDelayMs = Math.max(options.maxDelayMs ?? 600, options.referenceDelayMs ?? 0);
    this.line = new Int16Array(Math.ceil((maxDelayMs * options.sampleRate) / 1000) + 2 * this.frame);
    this.delaySamples = this.samplesOf(options.referenceDelayMs ?? 0);
    this.ref = new Int16Array(this.frame);
    this.newest = new Int16Array(this.frame);
    this.estimator = options.referenceDelayMs === undefined ? new EchoDelayEstimator(options.sampleRate, maxDelayMs) : undefined;
    this.configure(options.settings);
  }

  /** Switches echo cancellation and noise suppression on or off, live. */
  configure(settings: EchoControlSettings): void {
    this.settings = settings;
    if (settings.echoCancellation && !this.aec) this.aec = this.newCanceller();
    else if (!settings.echoCancellation) this.aec = undefined;
    if (settings.noiseSuppression && !this.ns) this.ns = new NoiseSuppressor({ sampleRate: this.sampleRate });
    else if (!settings.noiseSuppression) this.ns = undefined;
  }

  current(): EchoControlSettings {
    return this.settings;
  }

  /** The canceller's statistics, when it is on. */
  stats(): EchoControlStats | undefined {
    if (!this.aec) return undefined;
    const measured = this.estimator?.lastPeak;
    return {
      ...this.aec.stats(),
      referenceDelayMs: (this.delaySamples * 1000) / this.sampleRate,
      measuredDelayMs: this.estimator?.estimate?.delayMs,
      delayCorrelation: measured?.correlation,
    };
  }

  /** A frame just handed to the speaker: the echo reference. */
  playback(frame: Int16Array): void {
    if (!this.aec) return;
    this.append(frame);
    this.playedSinceCapture = true;
  }

  /**
   * The speaker dropped the frame it was given (its latency control, an overrun): nothing
   * enters the reference, and no silence either — the next frame plays in its place, so every
   * later frame reaches the speaker one frame sooner. The reference delay shrinks by a frame to
   * match (the filter stays aligned); at zero delay the canceller has to re-adapt instead.
   */
  playbackDropped(): void {
    if (!this.aec) return;
    this.playedSinceCapture = true;
    if (this.delaySamples >= this.frame) {
      this.delaySamples -= this.frame;
      this.estimator?.moved((-this.frame * 1000) / this.sampleRate);
    }
  }

  /** Cleans one captured frame into `out` (which may be `mic`). */
  capture(mic: Int16Array, out: Int16Array): void {
    if (this.aec) {
      // The speaker had nothing since the last frame: it played silence.
      if (!this.playedSinceCapture) this.append(this.ref.fill(0));
      this.playedSinceCapture = false;
      this.read(0, this.newest);
      if (this.estimator) {
        const found = this.estimator.update(mic, this.newest);
        if (found) this.setDelay(Math.max(0, found.delayMs - MARGIN_MS));
      }
      // At no delay the newest frame is the reference: no second copy.
      if (this.delaySamples > 0) this.read(this.delaySamples, this.ref);
      this.aec.process(mic, this.delaySamples > 0 ? this.ref : this.newest, out);
    } else if (out !== mic) out.set(mic);
    this.ns?.process(out, out);
  }

  private setDelay(ms: number): void {
    const samples = this.samplesOf(ms);
    if (samples === this.delaySamples) return;
    this.delaySamples = samples;
    this.aec = this.newCanceller();
  }

  private newCanceller(): EchoCanceller {
    return new EchoCanceller(this.options.tailMs === undefined ? { sampleRate: this.sampleRate } : { sampleRate: this.sampleRate, tailMs: this.options.tailMs });
  }

  private samplesOf(ms: number): number {
    return Math.min(this.line.length - 2 * this.frame, Math.round((ms * this.sampleRate) / 1000));
  }

  private append(frame: Int16Array): void {
    const n = this.line.length;
    for (let i = 0; i < this.frame; i++) this.line[(this.written + i) % n] = frame[i] ?? 0;
    this.written = (this.written + this.frame) % n;
  }

  /** The frame that ended `delay` samples before the newest played sample. */
  private read(delay: number, into: Int16Array): void {
    const n = this.line.length;
    const start = (this.written - delay - this.frame + 2 * n) % n;
    for (let i = 0; i < this.frame; i++) into[i] = this.line[(start + i) % n]!;
  }
}
