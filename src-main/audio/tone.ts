/**
 * Call-progress and DTMF feedback tones (ITU-T E.180/Q.35 and its national supplements;
 * DTMF per ITU-T Q.23). A tone is a plan of segments (frequencies + duration, silence where
 * there are none) that repeats; the generator is an `AudioPort` source that fills 20 ms frames
 * with phase-continuous sines and 5 ms ramps at every edge, so cadences do not click.
 */
import type { Clock } from '../base/clock';
import { ValidationError } from '../base/errors';
import type { AudioPort } from '../media/frame';
import { frameSamplesOf, type AudioInputStream, type AudioStreamOptions } from './device';
import { PacedInputStream } from './paced-stream';

export interface ToneSegment {
  /** Frequencies in Hz summed in this segment; empty for silence. */
  readonly freqs: readonly number[];
  readonly ms: number;
}

export interface TonePlan {
  readonly name: string;
  readonly segments: readonly ToneSegment[];
  /** Plays the segments again and again (cadences) or once (DTMF feedback). */
  readonly repeat: boolean;
  /** Level of each frequency component in dBFS (default -16). */
  readonly levelDbfs?: number;
}

export type ToneCountry = 'us' | 'eu' | 'uk';
export type CallProgressTone = 'ringback' | 'busy' | 'callWaiting' | 'congestion';

const on = (freqs: readonly number[], ms: number): ToneSegment => ({ freqs, ms });
const off = (ms: number): ToneSegment => ({ freqs: [], ms });

/**
 * Cadences per country. US: ANSI T1.401 / E.180 (ringback 440+480 Hz 2 s on 4 s off; busy
 * 480+620 Hz 0.5/0.5 s; reorder 480+620 Hz 0.25/0.25 s; call waiting 440 Hz 0.3 s every 10 s).
 * EU: the CEPT/ETSI TR 101 041 common tones (425 Hz; ringback 1 s on 4 s off; busy 0.5/0.5 s;
 * congestion 0.25/0.25 s; call waiting 0.2 on 0.2 off 0.2 on, then silence). UK: BT SIN 350
 * (ringback 400+450 Hz 0.4 on 0.2 off 0.4 on 2 off; busy 400 Hz 0.375/0.375 s).
 */
export const TONE_PLANS: Readonly<Record<ToneCountry, Readonly<Record<CallProgressTone, TonePlan>>>> = {
  us: {
    ringback: { name: 'us-ringback', repeat: true, segments: [on([440, 480], 2000), off(4000)] },
    busy: { name: 'us-busy', repeat: true, segments: [on([480, 620], 500), off(500)] },
    congestion: { name: 'us-reorder', repeat: true, segments: [on([480, 620], 250), off(250)] },
    callWaiting: { name: 'us-call-waiting', repeat: true, segments: [on([440], 300), off(9700)] },
  },
  eu: {
    ringback: { name: 'eu-ringback', repeat: true, segments: [on([425], 1000), off(4000)] },
    busy: { name: 'eu-busy', repeat: true, segments: [on([425], 500), off(500)] },
    congestion: { name: 'eu-congestion', repeat: true, segments: [on([425], 250), off(250)] },
    callWaiting: { name: 'eu-call-waiting', repeat: true, segments: [on([425], 200), off(200), on([425], 200), off(4400)] },
  },
  uk: {
    ringback: { name: 'uk-ringback', repeat: true, segments: [on([400, 450], 400), off(200), on([400, 450], 400), off(2000)] },
    busy: { name: 'uk-busy', repeat: true, segments: [on([400], 375), off(375)] },
    congestion: { name: 'uk-congestion', repeat: true, segments: [on([400], 400), off(350), on([400], 225), off(525)] },
    callWaiting: { name: 'uk-call-waiting', repeat: true, segments: [on([400], 100), off(2000)] },
  },
};

/** DTMF frequency pairs (ITU-T Q.23): row (low) and column (high) group. */
const DTMF_ROWS = [697, 770, 852, 941] as const;
const DTMF_COLS = [1209, 1336, 1477, 1633] as const;
const DTMF_KEYS = ['123A', '456B', '789C', '*0#D'] as const;

/** The two frequencies of a DTMF key (0-9, *, #, A-D). */
export function dtmfFrequencies(key: string): readonly [number, number] {
  const k = key.toUpperCase();
  for (let r = 0; r < 4; r++) {
    const c = DTMF_KEYS[r]!.indexOf(k);
    if (k.length === 1 && c >= 0) return [DTMF_ROWS[r]!, DTMF_COLS[c]!];
  }
  throw new ValidationError(`not a DTMF key: ${JSON.stringify(key)}`);
}

/** A one-shot DTMF feedback tone for a key press (default 100 ms, then 20 ms of silence). */
export function dtmfTone(key: string, ms = 100): TonePlan {
  return { name: `dtmf-${key}`, repeat: false, levelDbfs: -12, segments: [on(dtmfFrequencies(key), ms), off(20)] };
}

const RAMP_MS = 5;

/**
 * Generates a tone plan as 20 ms frames. `readFrame` returns false once a one-shot plan has
 * ended (and zero-fills), so the caller can drop the source.
 */
export class ToneGenerator implements AudioPort {
  private readonly segmentSamples: number[];
  private readonly amplitude: number;
  private readonly ramp: number;
  private readonly phase: Float64Array;
  private segment = 0;
  private position = 0;
  private done = false;

  constructor(
    readonly plan: TonePlan,
    readonly sampleRate: number,
  ) {
    if (plan.segments.length === 0) throw new ValidationError(`tone ${plan.name} has no segments`);
    for (const s of plan.segments) {
      if (!(s.ms > 0) || s.freqs.some((f) => !(f > 0 && f < sampleRate / 2))) {
        throw new ValidationError(`tone ${plan.name}: bad segment ${JSON.stringify(s)} at ${sampleRate} Hz`);
      }
    }
    this.segmentSamples = plan.segments.map((s) => Math.round((s.ms * sampleRate) / 1000));
    this.amplitude = 32767 * 10 ** ((plan.levelDbfs ?? -16) / 20);
    this.ramp = Math.max(1, Math.round((RAMP_MS * sampleRate) / 1000));
    this.phase = new Float64Array(Math.max(...plan.segments.map((s) => s.freqs.length), 1));
  }

  /** True once a one-shot plan has played to its end. */
  get finished(): boolean {
    return this.done;
  }

  /** Starts the plan again from its first segment. */
  reset(): void {
    this.segment = 0;
    this.position = 0;
    this.done = false;
    this.phase.fill(0);
  }

  readFrame(into: Int16Array): boolean {
    if (this.done) {
      into.fill(0);
      return false;
    }
    for (let i = 0; i < into.length; i++) {
      if (this.done) {
        into[i] = 0;
        continue;
      }
      const seg = this.plan.segments[this.segment]!;
      const len = this.segmentSamples[this.segment]!;
      let v = 0;
      if (seg.freqs.length > 0) {
        const edge = Math.min(this.position, len - 1 - this.position);
        const env = edge < this.ramp ? edge / this.ramp : 1;
        for (let k = 0; k < seg.freqs.length; k++) {
          v += Math.sin(this.phase[k]!);
          this.phase[k] = (this.phase[k]! + (2 * Math.PI * seg.freqs[k]!) / this.sampleRate) % (2 * Math.PI);
        }
        v *= env * this.amplitude;
      }
      into[i] = Math.round(v);
      if (++this.position >= len) this.advance();
    }
    return true;
  }

  /** Tones are sources only. */
  writeFrame(): void {}

  private advance(): void {
    this.position = 0;
    this.phase.fill(0);
    this.segment++;
    if (this.segment >= this.plan.segments.length) {
      if (this.plan.repeat) this.segment = 0;
      else this.done = true;
    }
  }
}

/** A clock-paced input stream playing `plan` (a tone "microphone", for tests and the CLI). */
export function openToneInput(clock: Clock, plan: TonePlan, options: AudioStreamOptions): AudioInputStream {
  const gen = new ToneGenerator(plan, options.sampleRate);
  return new PacedInputStream(clock, `tone:${plan.name}`, options.sampleRate, frameSamplesOf(options), (into) => {
    gen.readFrame(into);
  });
}
