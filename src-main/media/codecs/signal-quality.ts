/**
 * Signal measurements for codec, concealment and resampler tests and benchmarks: SNR with
 * delay alignment, and test tones.
 */

/** SNR in dB of `got` against `ref` over [from, to), with `got` delayed by `delay` samples. */
export function snrDb(ref: ArrayLike<number>, got: ArrayLike<number>, delay = 0, from = 0, to = ref.length): number {
  let s = 0;
  let e = 0;
  for (let i = from; i < to; i++) {
    const j = i + delay;
    if (j < 0 || j >= got.length) continue;
    const r = ref[i]!;
    s += r * r;
    e += (r - got[j]!) ** 2;
  }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

/** The best SNR over delays in [minDelay, maxDelay], with the delay that gives it. */
export function bestAlignedSnr(
  ref: ArrayLike<number>,
  got: ArrayLike<number>,
  minDelay: number,
  maxDelay: number,
  from = 0,
  to = ref.length,
): { snr: number; delay: number } {
  let best = { snr: -Infinity, delay: minDelay };
  for (let d = minDelay; d <= maxDelay; d++) {
    const snr = snrDb(ref, got, d, from, to);
    if (snr > best.snr) best = { snr, delay: d };
  }
  return best;
}

/** Fills `out` with a sum of sines: [frequency Hz, amplitude][] at `sampleRate`, from sample `t0`. */
export function tone(out: Int16Array, sampleRate: number, parts: readonly (readonly [number, number])[], t0 = 0): Int16Array {
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (const [f, a] of parts) v += a * Math.sin((2 * Math.PI * f * (t0 + i)) / sampleRate);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

/** Energy of `x` in dBFS (0 dB = full-scale square wave). */
export function levelDbfs(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return 10 * Math.log10(s / Math.max(1, to - from) / 32768 ** 2);
}

/**
 * SINAD of `y` against the best-fitting sine of `freq` Hz (free amplitude, phase and offset)
 * over [from, to): fitted power over residual power, in dB. Delay-independent, so it measures
 * resamplers whose delay is a fraction of a sample.
 */
export function sineFitSnr(y: ArrayLike<number>, freq: number, sampleRate: number, from: number, to: number): number {
  // Least squares on [sin, cos, 1] via the 3×3 normal equations.
  const w = (2 * Math.PI * freq) / sampleRate;
  let ss = 0;
  let sc = 0;
  let cc = 0;
  let s1 = 0;
  let c1 = 0;
  let n = 0;
  let ys = 0;
  let yc = 0;
  let y1 = 0;
  for (let i = from; i < to; i++) {
    const s = Math.sin(w * i);
    const c = Math.cos(w * i);
    const v = y[i]!;
    ss += s * s;
    sc += s * c;
    cc += c * c;
    s1 += s;
    c1 += c;
    n++;
    ys += v * s;
    yc += v * c;
    y1 += v;
  }
  const [a, b, d] = solve3(
    [
      [ss, sc, s1],
      [sc, cc, c1],
      [s1, c1, n],
    ],
    [ys, yc, y1],
  );
  let sig = 0;
  let err = 0;
  for (let i = from; i < to; i++) {
    const fit = a * Math.sin(w * i) + b * Math.cos(w * i);
    sig += fit * fit;
    err += (y[i]! - fit - d) ** 2;
  }
  return err === 0 ? Infinity : 10 * Math.log10(sig / err);
}

function solve3(m: number[][], v: number[]): [number, number, number] {
  const det = (q: number[][]) =>
    q[0]![0]! * (q[1]![1]! * q[2]![2]! - q[1]![2]! * q[2]![1]!) -
    q[0]![1]! * (q[1]![0]! * q[2]![2]! - q[1]![2]! * q[2]![0]!) +
    q[0]![2]! * (q[1]![0]! * q[2]![1]! - q[1]![1]! * q[2]![0]!);
  const d = det(m);
  const col = (j: number) => det(m.map((row, i) => row.map((x, k) => (k === j ? v[i]! : x))));
  return [col(0) / d, col(1) / d, col(2) / d];
}
