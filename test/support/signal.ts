/** Signal helpers for audio tests: Goertzel power, RMS, sines, seeded noise, speech-like noise. */

/** Power of `freq` in `x` (Goertzel), normalised so a full-scale sine of amplitude A gives ≈ A²/4. */
export function goertzel(x: ArrayLike<number>, freq: number, sampleRate: number): number {
  const w = (2 * Math.PI * freq) / sampleRate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return p / (x.length * x.length);
}

/** Amplitude of `freq` in `x` estimated with Goertzel. */
export function toneAmplitude(x: ArrayLike<number>, freq: number, sampleRate: number): number {
  return 2 * Math.sqrt(goertzel(x, freq, sampleRate));
}

export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, x.length));
}

export function energyDb(x: ArrayLike<number>): number {
  return 20 * Math.log10(rms(x) + 1e-9);
}

/** A seeded PRNG (mulberry32) in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian noise (Box–Muller) with standard deviation `sigma`. */
export function gaussian(n: number, sigma: number, seed: number): Float64Array {
  const r = prng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(1e-12, r());
    out[i] = sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  }
  return out;
}

/**
 * Speech-like noise: Gaussian noise coloured by a 2-pole resonance (a formant) and a spectral
 * tilt, amplitude-modulated at a syllable rate of ≈4 Hz with short pauses. RMS ≈ `level`.
 */
export function speechLike(n: number, sampleRate: number, level: number, seed: number): Float64Array {
  const src = gaussian(n, 1, seed);
  const out = new Float64Array(n);
  const formant = 500 + (seed % 7) * 150;
  const r = 0.95;
  const a1 = 2 * r * Math.cos((2 * Math.PI * formant) / sampleRate);
  const a2 = -r * r;
  let y1 = 0;
  let y2 = 0;
  let tilt = 0;
  const rate = 3.5 + (seed % 5) * 0.3;
  for (let i = 0; i < n; i++) {
    tilt = 0.7 * tilt + src[i]!;
    const y = tilt + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    const t = i / sampleRate;
    const env = Math.max(0, Math.sin(2 * Math.PI * rate * t + seed)) ** 0.5;
    out[i] = y * env;
  }
  const k = level / (rmsOf(out) + 1e-12);
  for (let i = 0; i < n; i++) out[i]! *= k;
  return out;
}

/**
 * Speech-like noise with an irregular rhythm, as real speech has: the same formant-coloured
 * noise as `speechLike`, in syllables of 80–300 ms with 0–250 ms pauses, drawn from `seed`.
 * Its envelope never repeats, so an echo delay cannot be mistaken for a rhythm period.
 */
export function irregularSpeech(n: number, sampleRate: number, level: number, seed: number): Float64Array {
  const out = speechLike(n, sampleRate, 1, seed);
  const random = prng(seed * 7919 + 1);
  let i = 0;
  while (i < n) {
    const syllable = Math.round((0.08 + 0.22 * random()) * sampleRate);
    const pause = Math.round(0.25 * random() * random() * sampleRate);
    const peak = 0.4 + random();
    for (let k = 0; k < syllable && i < n; k++, i++) out[i]! *= peak * Math.sin((Math.PI * k) / syllable);
    for (let k = 0; k < pause && i < n; k++, i++) out[i] = 0;
  }
  const g = level / (rmsOf(out) + 1e-12);
  for (let j = 0; j < n; j++) out[j]! *= g;
  return out;
}

function rmsOf(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / x.length);
}

export function sine(n: number, freq: number, sampleRate: number, amplitude: number, phase = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return out;
}

export function toInt16(x: ArrayLike<number>): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]!)));
  return out;
}
