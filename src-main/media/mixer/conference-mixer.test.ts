import { describe, expect, it } from 'vitest';
import { toneAmplitude } from '../../../test/support/signal';
import type { AudioPort } from '../frame';
import { ConferenceMixer, type FrameResampler } from './conference-mixer';
import { FrameQueuePort } from './frame-queue-port';

/** A participant that speaks a sine of its own and records what it hears. */
class TonePort implements AudioPort {
  private phase = 0;
  readonly heard: number[] = [];
  silent = false;
  constructor(
    readonly sampleRate: number,
    readonly freq: number,
    readonly amplitude = 6000,
  ) {}
  readFrame(into: Int16Array): boolean {
    if (this.silent) {
      into.fill(0);
      return false;
    }
    for (let i = 0; i < into.length; i++) {
      into[i] = Math.round(this.amplitude * Math.sin(this.phase));
      this.phase += (2 * Math.PI * this.freq) / this.sampleRate;
    }
    return true;
  }
  writeFrame(frame: Int16Array): void {
    for (let i = 0; i < frame.length; i++) this.heard.push(frame[i]!);
  }
}

const FREQS = [400, 700, 1100, 1500, 1900];

function run(mixer: ConferenceMixer, ticks: number): void {
  for (let i = 0; i < ticks; i++) mixer.tick();
}

describe('ConferenceMixer (N-1 mixing)', () => {
  it('with the local user and four legs, each hears every other tone but not its own', () => {
    const mixer = new ConferenceMixer({ sampleRate: 16000 });
    const ports = FREQS.map((f) => new TonePort(16000, f));
    ports.forEach((p, i) => mixer.add(i === 0 ? 'local' : `leg${i}`, p));
    run(mixer, 50);
    for (let i = 0; i < ports.length; i++) {
      const heard = ports[i]!.heard.slice(1600);
      for (let j = 0; j < ports.length; j++) {
        const a = toneAmplitude(heard, FREQS[j]!, 16000);
        if (i === j) expect(a, `participant ${i} hears itself`).toBeLessThan(60);
        else expect(a, `participant ${i} hears ${j}`).toBeGreaterThan(5800);
      }
    }
  });

  it('applies per-participant gain to what the others hear, and mute removes it', () => {
    const mixer = new ConferenceMixer({ sampleRate: 8000 });
    const ports = FREQS.slice(0, 3).map((f) => new TonePort(8000, f));
    const ids = ports.map((p, i) => mixer.add(`p${i}`, p));
    mixer.setGain(ids[1]!, 0.5);
    mixer.setListenGain(ids[2]!, 0.25);
    run(mixer, 25);
    expect(toneAmplitude(ports[0]!.heard.slice(800), 700, 8000)).toBeCloseTo(3000, -2);
    expect(toneAmplitude(ports[0]!.heard.slice(800), 1100, 8000)).toBeCloseTo(6000, -2);
    expect(toneAmplitude(ports[2]!.heard.slice(800), 400, 8000)).toBeCloseTo(1500, -2);
    mixer.setMuted(ids[0]!, true);
    ports.forEach((p) => (p.heard.length = 0));
    run(mixer, 25);
    expect(toneAmplitude(ports[1]!.heard, 400, 8000)).toBeLessThan(30);
    expect(toneAmplitude(ports[1]!.heard, 1100, 8000)).toBeGreaterThan(5800);
    expect(() => mixer.setGain(ids[0]!, -1)).toThrow(/out of range/);
    expect(() => mixer.setGain(999, 1)).toThrow(/no participant/);
  });

  it('limits a loud sum below the ceiling instead of wrapping or hard-clipping it', () => {
    const mixer = new ConferenceMixer({ sampleRate: 8000 });
    // Four in-phase 200 Hz voices at 60 % of full scale: the local user would hear 240 %.
    const ports = [0, 1, 2, 3, 4].map(() => new TonePort(8000, 200, 0.6 * 32767));
    ports.forEach((p, i) => mixer.add(`p${i}`, p));
    run(mixer, 50);
    const heard = ports[0]!.heard;
    const ceiling = 0.9 * 32767;
    expect(Math.max(...heard.map(Math.abs))).toBeLessThanOrEqual(Math.ceil(ceiling));
    // No wrap-around: the output keeps the sign of the (unclipped) sum everywhere it is loud.
    let flips = 0;
    for (let i = 0; i < heard.length; i++) {
      const expected = Math.sin((2 * Math.PI * 200 * i) / 8000);
      if (Math.abs(expected) > 0.2 && Math.sign(expected) !== Math.sign(heard[i]!)) flips++;
    }
    expect(flips).toBe(0);
    // Not hard-clipped: the limited signal is still a clean sine (a clipped one has a strong
    // third harmonic).
    const steady = heard.slice(800);
    expect(toneAmplitude(steady, 600, 8000) / toneAmplitude(steady, 200, 8000)).toBeLessThan(0.01);
    expect(toneAmplitude(steady, 200, 8000)).toBeGreaterThan(0.85 * 32767);
    // And the gain recovers once the conference is quiet again.
    ports.slice(2).forEach((p) => (p.silent = true));
    ports[0]!.heard.length = 0;
    run(mixer, 100);
    expect(toneAmplitude(ports[0]!.heard.slice(-1600), 200, 8000)).toBeGreaterThan(0.58 * 32767);
  });

  it('a silent participant (readFrame false) adds nothing and is reported inactive', () => {
    const mixer = new ConferenceMixer({ sampleRate: 8000 });
    const a = new TonePort(8000, 400);
    const b = new TonePort(8000, 700);
    b.silent = true;
    mixer.add('a', a);
    mixer.add('b', b);
    run(mixer, 10);
    expect(toneAmplitude(a.heard, 700, 8000)).toBeLessThan(1);
    expect(mixer.levels().map((l) => l.active)).toEqual([true, false]);
    expect(mixer.levels()[0]!.level).toBeCloseTo(6000 / 32768, 2);
  });

  it('mixes a narrowband (8 kHz) leg into a 16 kHz conference through media/resample.ts', () => {
    const mixer = new ConferenceMixer({ sampleRate: 16000 });
    const nb = new TonePort(8000, 300);
    const wb = new TonePort(16000, 1000);
    const local = new TonePort(16000, 2000);
    mixer.add('nb', nb);
    mixer.add('wb', wb);
    mixer.add('local', local);
    run(mixer, 50);
    expect(nb.heard.length).toBe(50 * 160);
    expect(toneAmplitude(wb.heard.slice(3200), 300, 16000)).toBeGreaterThan(5500);
    expect(toneAmplitude(nb.heard.slice(1600), 1000, 8000)).toBeGreaterThan(5500);
    // 2 kHz lies inside the narrowband passband (0.9 × 4 kHz), so the 8 kHz leg hears it too.
    expect(toneAmplitude(nb.heard.slice(1600), 2000, 8000)).toBeGreaterThan(5500);
    expect(toneAmplitude(nb.heard.slice(1600), 300, 8000)).toBeLessThan(100);
  });

  it('uses a given resampler instead of the default', () => {
    // A minimal 2:1 resampler (sample repetition / pair averaging) stands in for media/resample.ts.
    const make = (from: number, to: number): FrameResampler => ({
      process(input, output) {
        if (to === 2 * from) for (let i = 0; i < output.length; i++) output[i] = input[i >> 1]!;
        else for (let i = 0; i < output.length; i++) output[i] = (input[2 * i]! + input[2 * i + 1]!) >> 1;
      },
    });
    const mixer = new ConferenceMixer({ sampleRate: 16000, createResampler: make });
    const nb = new TonePort(8000, 300);
    const wb = new TonePort(16000, 1000);
    mixer.add('nb', nb);
    mixer.add('wb', wb);
    run(mixer, 25);
    expect(nb.heard.length).toBe(25 * 160);
    expect(toneAmplitude(wb.heard.slice(1600), 300, 16000)).toBeGreaterThan(5000);
    expect(toneAmplitude(nb.heard.slice(800), 1000, 8000)).toBeGreaterThan(4000);
  });

  it('removing a leg takes it out of the mix', () => {
    const mixer = new ConferenceMixer({ sampleRate: 8000 });
    const [a, b, c] = [400, 700, 1100].map((f) => new TonePort(8000, f));
    mixer.add('a', a!);
    const idB = mixer.add('b', b!);
    mixer.add('c', c!);
    mixer.remove(idB);
    run(mixer, 10);
    expect(mixer.size).toBe(2);
    expect(toneAmplitude(a!.heard, 700, 8000)).toBeLessThan(1);
    expect(toneAmplitude(a!.heard, 1100, 8000)).toBeGreaterThan(5800);
  });
});

describe('FrameQueuePort', () => {
  it('returns pushed frames in order, silence when empty, and drops the oldest when full', () => {
    const sunk: number[] = [];
    const q = new FrameQueuePort(8000, (f) => sunk.push(f[0]!), 2);
    const f = new Int16Array(160);
    for (const v of [1, 2, 3]) {
      f.fill(v);
      q.push(f);
    }
    const out = new Int16Array(160);
    expect(q.readFrame(out)).toBe(true);
    expect(out[0]).toBe(2);
    expect(q.readFrame(out)).toBe(true);
    expect(out[0]).toBe(3);
    expect(q.readFrame(out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    expect(q.dropped).toBe(1);
    q.writeFrame(f);
    expect(sunk).toEqual([3]);
  });

  it('moves the mix to another rate with setSampleRate, keeping gains, and still mixes N-1', () => {
    // The engine mixes at the widest leg's rate: three 8 kHz legs and a 48 kHz device port.
    const mixer = new ConferenceMixer({ sampleRate: 48000 });
    const local = new TonePort(48000, 400);
    const legs = [700, 1100, 1500].map((f) => new TonePort(8000, f));
    mixer.add('local', local);
    const ids = legs.map((p, i) => mixer.add(`leg${i}`, p));
    mixer.setGain(ids[0]!, 0.5);
    run(mixer, 10);
    mixer.setSampleRate(8000);
    expect([mixer.sampleRate, mixer.frameSamples]).toEqual([8000, 160]);
    for (const p of [local, ...legs]) p.heard.length = 0;
    run(mixer, 50);
    const tail = (p: TonePort) => p.heard.slice(p.heard.length / 2);
    // The local user hears every leg (leg 0 at half gain) at 48 kHz, resampled once.
    expect(toneAmplitude(tail(local), 700, 48000)).toBeGreaterThan(2800);
    expect(toneAmplitude(tail(local), 700, 48000)).toBeLessThan(3200);
    expect(toneAmplitude(tail(local), 1100, 48000)).toBeGreaterThan(5800);
    expect(toneAmplitude(tail(local), 400, 48000)).toBeLessThan(60);
    // A leg hears the local user and the other legs, not itself, with no resampling of its own.
    expect(toneAmplitude(tail(legs[1]!), 400, 8000)).toBeGreaterThan(5800);
    expect(toneAmplitude(tail(legs[1]!), 1500, 8000)).toBeGreaterThan(5800);
    expect(toneAmplitude(tail(legs[1]!), 1100, 8000)).toBeLessThan(60);
    expect(() => mixer.setSampleRate(44010)).toThrow(RangeError);
  });
});
