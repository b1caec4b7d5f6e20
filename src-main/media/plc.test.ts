import { describe, expect, it } from 'vitest';
import { snrDb } from './codecs/signal-quality';
import { PitchPlc } from './plc';

const RATE = 8000;
const FRAME = 160;

/** Voiced signal: harmonics of a 131 Hz fundamental (period 61.07 samples, not a whole number). */
function voiced(n: number, t0 = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = (t0 + i) / RATE;
    out[i] = Math.round(6000 * Math.sin(2 * Math.PI * 131 * t) + 3000 * Math.sin(2 * Math.PI * 262 * t + 1) + 1500 * Math.sin(2 * Math.PI * 393 * t + 2));
  }
  return out;
}

/** Feeds `good` frames of history, then returns the concealment of `lost` frames. */
function concealAfter(plc: PitchPlc, goodFrames: number, lostFrames: number): Int16Array {
  const frame = new Int16Array(FRAME);
  for (let f = 0; f < goodFrames; f++) {
    frame.set(voiced(FRAME, f * FRAME));
    plc.good(frame);
  }
  const out = new Int16Array(FRAME * lostFrames);
  for (let f = 0; f < lostFrames; f++) plc.conceal(out.subarray(f * FRAME, (f + 1) * FRAME));
  return out;
}

describe('PitchPlc (ITU-T G.711 Appendix I style)', () => {
  it('conceals 20 ms of a voiced signal closer to the truth than silence or repeating the last frame', () => {
    const plc = new PitchPlc(RATE);
    const concealed = concealAfter(plc, 10, 1);
    const truth = voiced(FRAME, 10 * FRAME);
    const repeated = voiced(FRAME, 9 * FRAME);
    const silence = new Int16Array(FRAME);
    const snrConceal = snrDb(truth, concealed);
    expect(snrConceal).toBeGreaterThan(snrDb(truth, silence) + 6);
    expect(snrConceal).toBeGreaterThan(snrDb(truth, repeated) + 6);
    expect(snrConceal).toBeGreaterThan(10);
  });

  it('keeps full level for 10 ms, then fades to silence by 60 ms of loss', () => {
    const plc = new PitchPlc(RATE);
    const out = concealAfter(plc, 10, 4);
    const rms = (from: number, to: number) => Math.sqrt(out.subarray(from, to).reduce((s, v) => s + v * v, 0) / (to - from));
    const first = rms(0, 80);
    expect(first).toBeGreaterThan(3000);
    expect(rms(240, 320)).toBeLessThan(first * 0.75);
    expect(rms(320, 400)).toBeLessThan(first * 0.45);
    expect(out.subarray(480).every((v) => v === 0)).toBe(true);
  });

  it('joins the first good frame after a loss without a step', () => {
    const plc = new PitchPlc(RATE);
    const concealed = concealAfter(plc, 10, 2);
    const next = voiced(FRAME, 12 * FRAME);
    const original = next.slice();
    plc.good(next);
    expect(plc.isConcealing).toBe(false);
    // The cross-fade covers at most 10 ms, and the join is no steeper than the signal.
    expect(next.subarray(80)).toEqual(original.subarray(80));
    expect(next.subarray(0, 80)).not.toEqual(original.subarray(0, 80));
    const maxSlope = Math.max(...original.subarray(1).map((v, i) => Math.abs(v - original[i]!)));
    expect(Math.abs(next[0]! - concealed[concealed.length - 1]!)).toBeLessThanOrEqual(maxSlope * 1.5);
  });

  it('outputs silence when there is not yet enough history to repeat', () => {
    const plc = new PitchPlc(RATE);
    const out = concealAfter(plc, 1, 1);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('works at 16 kHz (G.722) with the constants scaled', () => {
    const plc = new PitchPlc(16000);
    const frame = new Int16Array(320);
    const sig = (n: number, t0: number) =>
      Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 150 * (t0 + i)) / 16000)));
    for (let f = 0; f < 10; f++) {
      frame.set(sig(320, f * 320));
      plc.good(frame);
    }
    const out = new Int16Array(320);
    plc.conceal(out);
    expect(snrDb(sig(320, 3200), out)).toBeGreaterThan(10);
  });
});
