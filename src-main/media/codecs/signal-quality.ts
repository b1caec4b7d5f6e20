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
