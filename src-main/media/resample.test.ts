import { describe, expect, it } from 'vitest';
import { levelDbfs, sineFitSnr, tone } from './codecs/signal-quality';
import { FrameResampler, Resampler, type ResamplerOptions } from './resample';

/** Resamples `frames` 20 ms frames of a tone at `freq`, frame by frame; returns the output. */
function run(inRate: number, outRate: number, freq: number, options: ResamplerOptions = {}, frames = 50): Int16Array {
  const r = new Resampler(inRate, outRate, options);
  const input = new Int16Array(r.inFrame);
  const out = new Int16Array(r.outFrame * frames);
  for (let f = 0; f < frames; f++) {
    tone(input, inRate, [[freq, AMP]], f * r.inFrame);
    r.processFrame(input, out.subarray(f * r.outFrame, (f + 1) * r.outFrame));
  }
  return out;
}

const AMP = 16000;
const TONE_DBFS = levelDbfs(tone(new Int16Array(48000), 48000, [[1000, AMP]]));

/** Worst SINAD (dB) over tones from 300 Hz to 0.4 × the lower rate, after 0.1 s. */
function worstPassbandSinad(inRate: number, outRate: number, options: ResamplerOptions = {}): number {
  const low = Math.min(inRate, outRate);
  let worst = Infinity;
  for (const f of [300, 1000, 0.2 * low, 0.3 * low, 0.4 * low]) {
    const y = run(inRate, outRate, f, options);
    worst = Math.min(worst, sineFitSnr(y, f, outRate, Math.ceil(outRate * 0.1), y.length));
  }
  return worst;
}

/** Attenuation (dB) of a tone at `freq` (above the output's Nyquist frequency) by a downsampler. */
function rejection(inRate: number, outRate: number, freq: number, options: ResamplerOptions = {}): number {
  return TONE_DBFS - levelDbfs(run(inRate, outRate, freq, options), Math.ceil(outRate * 0.1));
}

/** Every pair between device rates (44.1k, 48k) and codec rates (8k, 16k, 48k). */
const PAIRS: [number, number][] = [
  [48000, 16000],
  [16000, 48000],
  [48000, 8000],
  [8000, 48000],
  [44100, 16000],
  [16000, 44100],
  [44100, 8000],
  [8000, 44100],
  [44100, 48000],
  [48000, 44100],
  [16000, 8000],
  [8000, 16000],
];
const SPEECH = PAIRS.filter(([a, b]) => Math.min(a, b) <= 16000);
const DOWN = SPEECH.filter(([a, b]) => b < a);

describe('Resampler (polyphase Kaiser-windowed sinc)', () => {
  it.each(SPEECH)('%i -> %i Hz (speech filter) keeps tones up to 0.4 x the lower rate above 75 dB SINAD', (a, b) => {
    expect(worstPassbandSinad(a, b)).toBeGreaterThan(75);
  });

  it.each(DOWN)('%i -> %i Hz (speech filter) attenuates tones from 0.6 x the lower rate up by more than 75 dB', (a, b) => {
    for (const f of [0.6 * b, 0.625 * b, 0.75 * b, 0.95 * b, Math.min(0.45 * a, 1.5 * b)]) {
      expect(rejection(a, b, f), `${f} Hz`).toBeGreaterThan(75);
    }
  });

  it('attenuates 5 kHz by more than 75 dB from 48 kHz to 8 kHz, and 10 kHz from 48 kHz to 16 kHz', () => {
    expect(rejection(48000, 8000, 5000)).toBeGreaterThan(75);
    expect(rejection(48000, 16000, 10000)).toBeGreaterThan(75);
  });

  it.each([
    [44100, 48000],
    [48000, 44100],
    [8000, 48000],
    [48000, 8000],
  ])('%i -> %i Hz with the high-quality filter keeps passband tones above 85 dB SINAD', (a, b) => {
    expect(worstPassbandSinad(a, b, a === 44100 || b === 44100 ? {} : { quality: 'high' })).toBeGreaterThan(85);
  });

  it('the high-quality filter attenuates 4.8 kHz by more than 90 dB from 48 kHz to 8 kHz, and 23 kHz from 48 kHz to 44.1 kHz by more than 80 dB', () => {
    expect(rejection(48000, 8000, 4800, { quality: 'high' })).toBeGreaterThan(90);
    expect(rejection(48000, 44100, 23000)).toBeGreaterThan(80);
  });

  it('picks the speech filter for codec rates up to 16 kHz (165 taps 48k -> 8k, 28 per phase 8k -> 48k) and the high-quality one above', () => {
    expect(new Resampler(48000, 8000).taps).toBe(165);
    expect(new Resampler(8000, 48000).taps).toBe(28);
    expect(new Resampler(48000, 8000, { quality: 'high' }).taps).toBe(427);
    expect(new Resampler(8000, 48000, { quality: 'high' }).taps).toBe(72);
    expect(new Resampler(44100, 48000).taps).toBe(new Resampler(44100, 48000, { quality: 'high' }).taps);
  });

  it('keeps the bounds with an odd number of taps (29 per phase 8k -> 48k, 87 taps 48k -> 16k)', () => {
    const odd = { zeroCrossings: 13, rolloff: 0.9 };
    expect([new Resampler(8000, 48000, odd).taps, new Resampler(48000, 16000, odd).taps]).toEqual([29, 87]);
    expect(worstPassbandSinad(8000, 48000, odd)).toBeGreaterThan(75);
    expect(worstPassbandSinad(48000, 16000, odd)).toBeGreaterThan(75);
  });

  it.each([{}, { zeroCrossings: 13, rolloff: 0.9 }])('upsampling turns an impulse into the whole symmetric prototype, L x taps long (%o)', (options) => {
    const r = new Resampler(8000, 48000, options);
    const x = new Int16Array(r.inFrame);
    x[10] = 32767;
    const y = new Int16Array(r.outFrame);
    r.processFrame(x, y);
    const nz = [...y.keys()].filter((i) => y[i] !== 0);
    const h = y.subarray(nz[0], nz[nz.length - 1]! + 1);
    expect(h.length).toBeGreaterThan(r.taps * 6 - 8);
    expect(h.length).toBeLessThanOrEqual(r.taps * 6);
    expect([...h].reverse()).toEqual([...h]);
    expect(h.reduce((s, v) => s + v, 0) / 6 / 32767).toBeCloseTo(1, 2);
  });

  it('a filter of 8 zero crossings fails these bounds (images and aliases near 0.6 x the lower rate)', () => {
    expect(worstPassbandSinad(8000, 48000, { zeroCrossings: 8 })).toBeLessThan(75);
    expect(rejection(48000, 8000, 4800, { zeroCrossings: 8 })).toBeLessThan(75);
  });

  it('gives exactly one frame out per frame in at every rate pair, 882 samples at 44.1 kHz', () => {
    const r = new Resampler(44100, 48000);
    expect([r.inFrame, r.outFrame]).toEqual([882, 960]);
    for (const [a, b] of PAIRS) {
      const s = new Resampler(a, b);
      for (let f = 0; f < 3; f++) expect(s.outputFor(s.inFrame)).toBe(s.outFrame);
    }
  });

  it.each([
    [44100, 16000],
    [8000, 48000],
    [48000, 8000],
    [48000, 44100],
  ])('%i -> %i Hz joins chunks of any size seamlessly (same output as one pass)', (inRate, outRate) => {
    const input = tone(new Int16Array(inRate / 10), inRate, [[997, 12000]]);
    const whole = new Resampler(inRate, outRate, { maxInput: input.length });
    const a = new Int16Array(outRate / 10 + 2);
    const na = whole.process(input, a);
    const chunked = new Resampler(inRate, outRate);
    const b = new Int16Array(outRate / 10 + 2);
    let nb = 0;
    for (let i = 0; i < input.length; ) {
      const n = Math.min(1 + ((i * 7) % 301), input.length - i);
      nb += chunked.process(input.subarray(i, i + n), b.subarray(nb));
      i += n;
    }
    expect(nb).toBe(na);
    expect(b.subarray(0, nb)).toEqual(a.subarray(0, na));
  });

  it('passes audio through unchanged at equal rates', () => {
    const r = new Resampler(16000, 16000);
    const x = tone(new Int16Array(320), 16000, [[440, 9000]]);
    const y = new Int16Array(320);
    r.processFrame(x, y);
    expect(y).toEqual(x);
  });

  it('rejects bad rates, wrong frame sizes and oversized chunks with RangeError', () => {
    expect(() => new Resampler(0, 8000)).toThrow(RangeError);
    const r = new Resampler(48000, 16000);
    expect(() => r.processFrame(new Int16Array(100), new Int16Array(320))).toThrow(RangeError);
    expect(() => r.process(new Int16Array(960 * 5), new Int16Array(2000))).toThrow(RangeError);
    expect(() => r.process(new Int16Array(960), new Int16Array(10))).toThrow(RangeError);
  });
});

describe('FrameResampler (any chunk in, 20 ms frames out)', () => {
  it('turns 1024-sample device chunks at 44.1 kHz into whole 20 ms frames at 16 kHz', () => {
    const fr = new FrameResampler(44100, 16000);
    const chunk = new Int16Array(1024);
    const frame = new Int16Array(320);
    const out: Int16Array[] = [];
    for (let k = 0; k < 43; k++) {
      tone(chunk, 44100, [[1000, 16000]], k * 1024);
      fr.write(chunk);
      while (fr.read(frame)) out.push(frame.slice());
    }
    // 43 × 1024 samples = 0.9985 s: 49 whole frames, and less than a frame left over.
    expect(out.length).toBe(49);
    expect(fr.available).toBeLessThan(320);
    const all = new Int16Array(out.length * 320);
    out.forEach((f, i) => all.set(f, i * 320));
    expect(sineFitSnr(all, 1000, 16000, 1600, all.length)).toBeGreaterThan(75);
    expect(fr.overruns).toBe(0);
  });

  it('drops the oldest samples and counts them when nobody reads', () => {
    const fr = new FrameResampler(48000, 8000, { capacityFrames: 2 });
    for (let k = 0; k < 5; k++) fr.write(new Int16Array(960));
    expect(fr.available).toBe(320);
    expect(fr.overruns).toBe(5 * 160 - 320);
    expect(fr.read(new Int16Array(160))).toBe(true);
    expect(fr.available).toBe(160);
  });
});
