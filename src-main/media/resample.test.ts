import { describe, expect, it } from 'vitest';
import { levelDbfs, sineFitSnr, tone } from './codecs/signal-quality';
import { FrameResampler, Resampler } from './resample';

/** Resamples `frames` 20 ms frames of a tone at `freq`, frame by frame; returns the output. */
function run(inRate: number, outRate: number, freq: number, frames = 50, amp = 16000): Int16Array {
  const r = new Resampler(inRate, outRate);
  const input = new Int16Array(r.inFrame);
  const out = new Int16Array(r.outFrame * frames);
  for (let f = 0; f < frames; f++) {
    tone(input, inRate, [[freq, amp]], f * r.inFrame);
    r.processFrame(input, out.subarray(f * r.outFrame, (f + 1) * r.outFrame));
  }
  return out;
}

const PAIRS: [number, number, number[]][] = [
  [48000, 16000, [300, 1000, 3000, 6000]],
  [16000, 48000, [300, 1000, 3000, 6000]],
  [48000, 8000, [300, 1000, 2000, 3000]],
  [8000, 48000, [300, 1000, 2000, 3000]],
  [44100, 16000, [300, 1000, 3000, 6000]],
  [16000, 44100, [300, 1000, 3000, 6000]],
  [44100, 8000, [300, 1000, 3000]],
  [8000, 44100, [300, 1000, 3000]],
  [44100, 48000, [300, 1000, 5000, 15000]],
  [48000, 44100, [300, 1000, 5000, 15000]],
  [16000, 8000, [300, 1000, 3000]],
];

describe('Resampler (polyphase Kaiser-windowed sinc)', () => {
  it.each(PAIRS)('%i -> %i Hz keeps passband tones above 60 dB SINAD', (inRate, outRate, freqs) => {
    for (const f of freqs) {
      const y = run(inRate, outRate, f);
      const from = Math.ceil(outRate * 0.1);
      expect(sineFitSnr(y, f, outRate, from, y.length), `${f} Hz`).toBeGreaterThan(60);
    }
  });

  it.each([
    [48000, 16000, 12000],
    [48000, 8000, 6000],
    [44100, 16000, 10000],
    [48000, 44100, 23000],
  ])('%i -> %i Hz suppresses a %i Hz tone above the new Nyquist by more than 60 dB', (inRate, outRate, f) => {
    const y = run(inRate, outRate, f);
    expect(levelDbfs(y, Math.ceil(outRate * 0.1))).toBeLessThan(-6 - 60);
  });

  it('gives exactly one frame out per frame in at every rate pair, 882 samples at 44.1 kHz', () => {
    const r = new Resampler(44100, 48000);
    expect([r.inFrame, r.outFrame]).toEqual([882, 960]);
    for (const [a, b] of PAIRS) {
      const s = new Resampler(a, b);
      for (let f = 0; f < 3; f++) expect(s.outputFor(s.inFrame)).toBe(s.outFrame);
    }
  });

  it('joins chunks of any size seamlessly (same output as one pass)', () => {
    const input = tone(new Int16Array(4410), 44100, [[997, 12000]]);
    const whole = new Resampler(44100, 16000, { maxInput: 4410 });
    const a = new Int16Array(2000);
    const na = whole.process(input, a);
    const chunked = new Resampler(44100, 16000);
    const b = new Int16Array(2000);
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
    expect(sineFitSnr(all, 1000, 16000, 1600, all.length)).toBeGreaterThan(60);
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
