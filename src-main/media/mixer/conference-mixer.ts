/**
 * The conference bridge (pjmedia's `conference.c`, baresip's `mixminus`): every participant —
 * each call leg and the local user — is an `AudioPort`; once per 20 ms `tick()` the mixer reads
 * one frame from every port, and writes back to each the mix of all the OTHERS (N-1 mixing),
 * so nobody hears their own voice: a leg hears the other legs plus the local user, the local
 * user hears every leg.
 *
 * - Per participant: `gain` (how loud it is in everyone else's mix), `listenGain` (how loud
 *   it hears the mix) and `muted` (contributes nothing).
 * - Clipping protection: each output runs through its own limiter (instant attack, ~200 ms
 *   release, ceiling -0.9 dBFS), so loud sums are turned down, never wrapped or hard-clipped.
 * - Rates: the mixer runs at one internal rate; a participant at another rate is converted
 *   both ways by media/resample.ts (polyphase Kaiser-sinc), or by `createResampler` if given.
 *   `setSampleRate` moves the mix to another rate (the engine mixes at the widest leg's rate,
 *   so narrowband legs are never resampled: only the local device port is).
 * - Buffers are allocated when a participant joins or the rate changes; `tick()` allocates
 *   nothing.
 */
import { ValidationError } from '../../base/errors';
import { samplesPerFrame, type AudioPort } from '../frame';
import { Resampler } from '../resample';

/** Converts one 20 ms frame between two fixed rates (state carried between frames). */
export interface FrameResampler {
  process(input: Int16Array, output: Int16Array): void;
}
export type ResamplerFactory = (fromRate: number, toRate: number) => FrameResampler;

export interface ConferenceMixerOptions {
  /** The internal mixing rate; participants at this rate need no resampling. */
  readonly sampleRate: number;
  /** Overrides the default resampler (media/resample.ts). */
  readonly createResampler?: ResamplerFactory;
  /** Limiter ceiling as a fraction of full scale (default 0.9 ≈ -0.9 dBFS). */
  readonly ceiling?: number;
}

export interface ParticipantOptions {
  /** Linear gain of this participant's voice in the others' mix (default 1). */
  readonly gain?: number;
  /** Linear gain of the mix this participant hears (default 1). */
  readonly listenGain?: number;
  readonly muted?: boolean;
}

export type ParticipantId = number;

interface Participant {
  readonly id: ParticipantId;
  readonly label: string;
  readonly port: AudioPort;
  gain: number;
  listenGain: number;
  muted: boolean;
  /** At the port's rate (re-made by `refit`). */
  inPort: Int16Array;
  outPort: Int16Array;
  /** At the mixer's rate (re-made by `setSampleRate`). */
  inMix: Int16Array;
  contrib: Float32Array;
  outMix: Int16Array;
  up: FrameResampler | undefined;
  down: FrameResampler | undefined;
  /** The limiter's current gain. */
  limiterGain: number;
  /** True when the last read gave audio (for talker indication). */
  active: boolean;
  /** Peak level of the last contributed frame, 0..1. */
  level: number;
}

/** The limiter's release: the gain recovers this fraction of its distance to 1 per frame. */
const RELEASE_PER_FRAME = 0.1;

export class ConferenceMixer {
  private rate: number;
  private frame: number;
  private readonly ceiling: number;
  private total: Float32Array;
  private readonly participants: Participant[] = [];
  private nextId = 1;

  constructor(private readonly options: ConferenceMixerOptions) {
    this.rate = options.sampleRate;
    this.frame = samplesPerFrame(options.sampleRate);
    this.ceiling = 32767 * (options.ceiling ?? 0.9);
    this.total = new Float32Array(this.frame);
  }

  /** The internal mixing rate. */
  get sampleRate(): number {
    return this.rate;
  }

  get frameSamples(): number {
    return this.frame;
  }

  /**
   * Mixes at `rate` from the next tick on: every participant's resamplers and mix buffers are
   * made anew for it (gains, mute and limiter state are kept). Setup-time work, not per tick.
   */
  setSampleRate(rate: number): void {
    if (rate === this.rate) return;
    const frame = samplesPerFrame(rate);
    this.rate = rate;
    this.frame = frame;
    this.total = new Float32Array(frame);
    for (const p of this.participants) this.fit(p);
  }

  /** Adds a participant (a call leg's port, or the local user's device port). */
  add(label: string, port: AudioPort, options: ParticipantOptions = {}): ParticipantId {
    const rate = port.sampleRate;
    const empty = new Int16Array(0);
    const p: Participant = {
      id: this.nextId++,
      label,
      port,
      gain: checkGain(options.gain ?? 1),
      listenGain: checkGain(options.listenGain ?? 1),
      muted: options.muted ?? false,
      inPort: new Int16Array(samplesPerFrame(rate)),
      outPort: new Int16Array(samplesPerFrame(rate)),
      inMix: empty,
      contrib: new Float32Array(0),
      outMix: empty,
      up: undefined,
      down: undefined,
      limiterGain: 1,
      active: false,
      level: 0,
    };
    this.fit(p);
    this.participants.push(p);
    return p.id;
  }

  /** A participant's port changed its rate (a call moved to a wideband codec): re-make its buffers and resamplers. */
  refit(id: ParticipantId): void {
    this.fit(this.get(id));
  }

  /** (Re)makes `p`'s buffers and resamplers for its port's rate and the current mixing rate. */
  private fit(p: Participant): void {
    const rate = p.port.sampleRate;
    const n = this.frame;
    if (p.inPort.length !== samplesPerFrame(rate)) {
      p.inPort = new Int16Array(samplesPerFrame(rate));
      p.outPort = new Int16Array(samplesPerFrame(rate));
    }
    const make = this.options.createResampler ?? polyphase;
    p.up = rate === this.rate ? undefined : make(rate, this.rate);
    p.down = rate === this.rate ? undefined : make(this.rate, rate);
    p.inMix = new Int16Array(n);
    p.contrib = new Float32Array(n);
    p.outMix = new Int16Array(n);
  }

  remove(id: ParticipantId): void {
    const i = this.participants.findIndex((p) => p.id === id);
    if (i >= 0) this.participants.splice(i, 1);
  }

  get size(): number {
    return this.participants.length;
  }

  setGain(id: ParticipantId, gain: number): void {
    this.get(id).gain = checkGain(gain);
  }

  setListenGain(id: ParticipantId, gain: number): void {
    this.get(id).listenGain = checkGain(gain);
  }

  setMuted(id: ParticipantId, muted: boolean): void {
    this.get(id).muted = muted;
  }

  /** Peak level (0..1) each participant contributed in the last tick, for a talker display. */
  levels(): { id: ParticipantId; label: string; level: number; active: boolean }[] {
    return this.participants.map((p) => ({ id: p.id, label: p.label, level: p.level, active: p.active }));
  }

  /** One 20 ms cycle: read every port, mix N-1, write every port. Allocates nothing. */
  tick(): void {
    const ps = this.participants;
    const n = this.frame;
    const total = this.total;
    total.fill(0);
    for (let k = 0; k < ps.length; k++) {
      const p = ps[k]!;
      const got = p.port.readFrame(p.inPort);
      p.active = got;
      const src = p.up ? (p.up.process(p.inPort, p.inMix), p.inMix) : p.inPort;
      const g = got && !p.muted ? p.gain : 0;
      let peak = 0;
      for (let i = 0; i < n; i++) {
        const v = src[i]! * g;
        p.contrib[i] = v;
        total[i]! += v;
        const a = v < 0 ? -v : v;
        if (a > peak) peak = a;
      }
      p.level = peak / 32768;
    }
    for (let k = 0; k < ps.length; k++) {
      const p = ps[k]!;
      this.limit(p);
      if (p.down) p.down.process(p.outMix, p.outPort);
      p.port.writeFrame(p.down ? p.outPort : p.outMix);
    }
  }

  /** outMix = limiter((total - own) * listenGain). */
  private limit(p: Participant): void {
    const n = this.frame;
    const total = this.total;
    const lg = p.listenGain;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const v = (total[i]! - p.contrib[i]!) * lg;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    const target = peak > this.ceiling ? this.ceiling / peak : 1;
    const from = p.limiterGain;
    // Instant attack (the whole frame at the lower gain); slow release, ramped within the frame.
    const to = target < from ? target : Math.min(target, from + (1 - from) * RELEASE_PER_FRAME);
    const start = to < from ? to : from;
    const step = (to - start) / n;
    let g = start;
    for (let i = 0; i < n; i++) {
      g += step;
      const v = (total[i]! - p.contrib[i]!) * lg * g;
      p.outMix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
    }
    p.limiterGain = to;
  }

  private get(id: ParticipantId): Participant {
    const p = this.participants.find((q) => q.id === id);
    if (!p) throw new ValidationError(`no participant ${id}`);
    return p;
  }
}

/** The default: media/resample.ts, one 20 ms frame in, one out. */
function polyphase(from: number, to: number): FrameResampler {
  const r = new Resampler(from, to);
  return { process: (input, output) => r.processFrame(input, output) };
}

function checkGain(g: number): number {
  if (!Number.isFinite(g) || g < 0 || g > 16) throw new ValidationError(`gain ${g} out of range 0..16`);
  return g;
}
