/**
 * The capture-path echo and noise control of one call: what the speaker plays is the echo
 * reference (`playback`), what the microphone captures is cleaned (`capture`): echo
 * cancellation first (it needs the raw signal, linear in the echo), then noise suppression.
 * Both are switchable live from settings (`configure`); switching the canceller on starts it
 * fresh. Reference frames are queued, one consumed per captured frame, behind an optional bulk
 * delay (`referenceDelayMs`) for devices whose output latency exceeds the filter's tail.
 */
import { samplesPerFrame } from '../frame';
import { FrameQueuePort } from '../mixer/frame-queue-port';
import { EchoCanceller, type EchoCancellerStats } from './echo-canceller';
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
  /** Bulk delay added to the reference, in ms (a multiple of 20; default 0). */
  readonly referenceDelayMs?: number;
}

export class EchoControl {
  readonly sampleRate: number;
  private settings: EchoControlSettings;
  private aec: EchoCanceller | undefined;
  private ns: NoiseSuppressor | undefined;
  private readonly reference: FrameQueuePort;
  private readonly ref: Int16Array;
  private readonly delayFrames: number;

  constructor(private readonly options: EchoControlOptions) {
    this.sampleRate = options.sampleRate;
    this.settings = options.settings;
    this.delayFrames = Math.round((options.referenceDelayMs ?? 0) / 20);
    this.reference = new FrameQueuePort(options.sampleRate, undefined, this.delayFrames + 8);
    this.ref = new Int16Array(samplesPerFrame(options.sampleRate));
    this.primeDelay();
    this.configure(options.settings);
  }

  /** Switches echo cancellation and noise suppression on or off, live. */
  configure(settings: EchoControlSettings): void {
    this.settings = settings;
    if (settings.echoCancellation && !this.aec) {
      this.aec = new EchoCanceller(this.options.tailMs === undefined ? { sampleRate: this.sampleRate } : { sampleRate: this.sampleRate, tailMs: this.options.tailMs });
    } else if (!settings.echoCancellation) this.aec = undefined;
    if (settings.noiseSuppression && !this.ns) this.ns = new NoiseSuppressor({ sampleRate: this.sampleRate });
    else if (!settings.noiseSuppression) this.ns = undefined;
  }

  current(): EchoControlSettings {
    return this.settings;
  }

  /** The canceller's statistics, when it is on. */
  stats(): EchoCancellerStats | undefined {
    return this.aec?.stats();
  }

  /** A frame just handed to the speaker: the echo reference. */
  playback(frame: Int16Array): void {
    if (this.aec) this.reference.push(frame);
  }

  /** Cleans one captured frame into `out` (which may be `mic`). */
  capture(mic: Int16Array, out: Int16Array): void {
    if (this.aec) {
      this.reference.readFrame(this.ref); // silence when the speaker had nothing
      this.aec.process(mic, this.ref, out);
    } else if (out !== mic) out.set(mic);
    this.ns?.process(out, out);
  }

  private primeDelay(): void {
    const silence = new Int16Array(this.ref.length);
    for (let i = 0; i < this.delayFrames; i++) this.reference.push(silence);
  }
}
