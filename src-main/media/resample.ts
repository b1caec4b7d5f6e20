/**
 * Sample-rate conversion between device rates (44100, 48000) and codec rates (8000, 16000,
 * 48000): a rational polyphase resampler with a Kaiser-windowed sinc prototype.
 *
 * The ratio out/in is reduced to L/M (48k→16k: 1/3, 44.1k→48k: 160/147). The prototype low-pass
 * runs at L·inRate with its cutoff at `rolloff` × the lower Nyquist frequency and spans `zeroCrossings`
 * sinc zero crossings each side; it is split into L phases of K taps. Output sample m sits at
 * t = m·M on the upsampled grid and is the dot product of phase (t mod L) with the K newest
 * inputs up to floor(t / L). State (the last K−1 inputs and the phase) carries across calls,
 * so 20 ms frames join seamlessly. At 20 ms every rate above has a whole number of samples per
 * frame (882 at 44.1 kHz), and a frame in always gives exactly one frame out.
 *
 * Buffers are allocated in the constructor for chunks up to `maxInput` samples; `process`
 * allocates nothing.
 *
 * Cost is taps per output sample, so the filter is chosen by need: codec rates of 16 kHz and
 * below get the `speech` preset (13 zero crossings, β 7.3; 165 taps 48k→8k, 28 per phase
 * 8k→48k), 2.5× shorter than `high` (32, β 8.6) and still ≥ 77 dB SINAD up to 0.4 × the lower
 * rate and ≥ 78 dB alias rejection from 0.6 × (G.711 itself is ~38 dB SNR). The kernels
 * specialise integer up- and downsampling and fold the symmetric prototype: a decimator's one
 * phase is its own mirror, and interpolation phases p and L−1−p are mirrors, so both are done in
 * one pass. Measured (bench/codecs.bench.ts, shared 2-core machine), ns per output sample:
 * 48k→8k ≈ 110, 8k→48k ≈ 20, 48k→16k ≈ 55, 16k→48k ≈ 21 — 4.3–4.8× cheaper than the single
 * 32-zero-crossing loop before, about 0.09–0.1 % of a core per direction of a 20 ms call.
 */
import { samplesPerFrame } from './frame';

/** Storage for coefficients and history (Float64Array measured faster than Float32Array in V8). */
const Coeffs = Float64Array;
type Coeffs = Float64Array;

/**
 * Filter presets. `speech` (codec rates of 16 kHz and below): passband tones up to 0.4 × the
 * lower rate keep ≥ 77 dB SINAD, tones above 0.6 × the lower rate are rejected by ≥ 78 dB, and
 * 0.425 × the lower rate (3.4 kHz at 8 kHz) is down 0.4 dB. `high`: ≥ 88 dB SINAD and ≥ 90 dB
 * of stopband, at 2.5× the taps.
 */
export const RESAMPLER_PRESETS = {
  speech: { zeroCrossings: 13, rolloff: 0.95, beta: 7.3 },
  high: { zeroCrossings: 32, rolloff: 0.9, beta: 8.6 },
} as const;

export type ResamplerQuality = keyof typeof RESAMPLER_PRESETS;

export interface ResamplerOptions {
  /** Filter preset (default `speech` when the lower rate is 16 kHz or less, else `high`). */
  readonly quality?: ResamplerQuality;
  /** Sinc zero crossings each side of the centre (overrides the preset's). */
  readonly zeroCrossings?: number;
  /** Cutoff as a fraction of the lower rate's Nyquist frequency (overrides the preset's). */
  readonly rolloff?: number;
  /** Kaiser window β (overrides the preset's). */
  readonly beta?: number;
  /** Largest input chunk `process` accepts (default: 4 frames at the input rate). */
  readonly maxInput?: number;
}

export class Resampler {
  /** Upsampling factor L and decimation factor M, out/in = L/M. */
  readonly up: number;
  readonly down: number;
  /** Taps per phase. */
  readonly taps: number;
  readonly inFrame: number;
  readonly outFrame: number;
  /** Group delay in output samples. */
  readonly delay: number;
  private readonly coeffs: Coeffs;
  private readonly buf: Coeffs;
  /** The prototype is symmetric (always, as designed): `interpolate` and `decimate` fold it. */
  private readonly symmetric: boolean;
  private readonly maxInput: number;
  /** Index in `buf` of the newest input used by the next output, and the phase within it. */
  private inIdx: number;
  private phase = 0;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    options: ResamplerOptions = {},
  ) {
    if (!(inRate > 0 && outRate > 0 && Number.isInteger(inRate) && Number.isInteger(outRate))) {
      throw new RangeError(`resampler: bad rates ${inRate} -> ${outRate}`);
    }
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    this.inFrame = samplesPerFrame(inRate);
    this.outFrame = samplesPerFrame(outRate);
    this.maxInput = options.maxInput ?? 4 * this.inFrame;
    const preset = RESAMPLER_PRESETS[options.quality ?? (Math.min(inRate, outRate) <= 16000 ? 'speech' : 'high')];
    const zc = options.zeroCrossings ?? preset.zeroCrossings;
    const rolloff = options.rolloff ?? preset.rolloff;
    const beta = options.beta ?? preset.beta;
    const L = this.up;
    const cutoffHz = 0.5 * Math.min(inRate, outRate) * rolloff;
    if (inRate === outRate) {
      this.taps = 1;
      this.coeffs = new Coeffs([1]);
    } else {
      this.taps = Math.ceil((zc * inRate) / cutoffHz);
      this.coeffs = designPolyphase(L, this.taps, cutoffHz / (L * inRate), beta);
    }
    this.delay = ((this.taps * L - 1) / 2 / L) * (outRate / inRate);
    this.buf = new Coeffs(this.taps - 1 + this.maxInput);
    this.symmetric = isSymmetric(this.coeffs);
    this.inIdx = this.taps - 1;
  }

  /** Output samples `process` will give for the next `n` inputs. */
  outputFor(n: number): number {
    const last = this.taps - 1 + n - 1;
    if (this.inIdx > last) return 0;
    // Outputs with inIdx + floor((phase + j·M) / L) <= last.
    const span = (last - this.inIdx) * this.up + (this.up - 1 - this.phase);
    return Math.floor(span / this.down) + 1;
  }

  /**
   * Converts `n` input samples (default all of `input`) into `output`; returns the number of
   * samples written, which is `outputFor(n)`. Throws a RangeError when `n` exceeds `maxInput`
   * or `output` is too short.
   */
  process(input: Int16Array, output: Int16Array, n = input.length): number {
    if (n > this.maxInput) throw new RangeError(`resampler: chunk of ${n} > ${this.maxInput} samples`);
    const need = this.outputFor(n);
    if (output.length < need) throw new RangeError(`resampler: output ${output.length} < ${need} samples`);
    const K = this.taps;
    const buf = this.buf;
    for (let i = 0; i < n; i++) buf[K - 1 + i] = input[i]!;
    const last = K - 1 + n - 1;
    let o: number;
    if (this.down === 1 && this.symmetric) o = this.interpolate(last, output);
    else if (this.up === 1 && this.symmetric) o = this.decimate(last, output);
    else o = this.convert(last, output);
    // Keep the last K−1 inputs as history.
    buf.copyWithin(0, n, n + K - 1);
    this.inIdx -= n;
    return o;
  }

  /**
   * Integer upsampling (M = 1): each input gives L outputs, one per phase (so the phase is 0
   * between calls). Phase L−1−p is phase p reversed, so they share one pass over the history.
   */
  private interpolate(last: number, output: Int16Array): number {
    const K = this.taps;
    const L = this.up;
    const buf = this.buf;
    const c = this.coeffs;
    let idx = this.inIdx;
    let o = 0;
    for (; idx <= last; idx++, o += L) {
      const s = idx - K + 1;
      for (let p = 0, q = L - 1; p <= q; p++, q--) {
        const ci = p * K;
        if (p === q) {
          output[o + p] = toInt16(dot(c, ci, buf, s, K));
          break;
        }
        let a0 = 0;
        let a1 = 0;
        let b0 = 0;
        let b1 = 0;
        let k = 0;
        for (; k + 1 < K; k += 2) {
          const c0 = c[ci + k]!;
          const c1 = c[ci + k + 1]!;
          a0 += c0 * buf[s + k]!;
          b0 += c0 * buf[idx - k]!;
          a1 += c1 * buf[s + k + 1]!;
          b1 += c1 * buf[idx - k - 1]!;
        }
        if (k < K) {
          a0 += c[ci + k]! * buf[s + k]!;
          b0 += c[ci + k]! * buf[idx - k]!;
        }
        output[o + p] = toInt16(a0 + a1);
        output[o + q] = toInt16(b0 + b1);
      }
    }
    this.inIdx = idx;
    this.phase = 0;
    return o;
  }

  /** Integer decimation (L = 1) with the symmetric prototype folded: K/2 multiplies an output. */
  private decimate(last: number, output: Int16Array): number {
    const K = this.taps;
    const M = this.down;
    const buf = this.buf;
    const c = this.coeffs;
    const half = K >> 1;
    const odd = K & 1;
    let idx = this.inIdx;
    let o = 0;
    for (; idx <= last; idx += M) {
      const s = idx - K + 1;
      let a0 = 0;
      let a1 = 0;
      let k = 0;
      for (; k + 1 < half; k += 2) {
        a0 += c[k]! * (buf[s + k]! + buf[idx - k]!);
        a1 += c[k + 1]! * (buf[s + k + 1]! + buf[idx - k - 1]!);
      }
      if (k < half) a0 += c[k]! * (buf[s + k]! + buf[idx - k]!);
      if (odd) a1 += c[half]! * buf[s + half]!;
      output[o++] = toInt16(a0 + a1);
    }
    this.inIdx = idx;
    return o;
  }

  /** Any ratio L/M: output m sits at t = m·M on the upsampled grid. */
  private convert(last: number, output: Int16Array): number {
    const K = this.taps;
    const L = this.up;
    const M = this.down;
    const buf = this.buf;
    const c = this.coeffs;
    let idx = this.inIdx;
    let phase = this.phase;
    let o = 0;
    while (idx <= last) {
      output[o++] = toInt16(dot(c, phase * K, buf, idx - K + 1, K));
      phase += M;
      while (phase >= L) {
        phase -= L;
        idx++;
      }
    }
    this.inIdx = idx;
    this.phase = phase;
    return o;
  }

  /** Converts one 20 ms frame (`inFrame` samples) into exactly one frame (`outFrame`). */
  processFrame(input: Int16Array, output: Int16Array): void {
    if (input.length !== this.inFrame || output.length !== this.outFrame) {
      throw new RangeError(`resampler: frame ${input.length}/${output.length}, want ${this.inFrame}/${this.outFrame}`);
    }
    this.process(input, output);
  }

  /** Clears the history (a new stream). */
  reset(): void {
    this.buf.fill(0);
    this.inIdx = this.taps - 1;
    this.phase = 0;
  }
}

/**
 * Kaiser-windowed sinc of K·L taps with cutoff `fc` (cycles per upsampled sample), gain L,
 * rearranged phase-major and reversed within a phase, so that the dot product walks the history
 * forward: coeffs[p·K + K−1−k] = L·h[k·L + p] multiplies the input k samples before the newest.
 */
function designPolyphase(L: number, K: number, fc: number, beta: number): Coeffs {
  const N = K * L;
  const centre = (N - 1) / 2;
  const i0b = besselI0(beta);
  const out = new Coeffs(N);
  for (let j = 0; j < N; j++) {
    const x = j - centre;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const r = x / (centre + 1);
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    const p = j % L;
    const k = (j - p) / L;
    out[p * K + (K - 1 - k)] = L * sinc * w;
  }
  return out;
}

/**
 * True when the coefficients read the same both ways: in the phase-major layout that makes
 * phase L−1−p the reverse of phase p (and the one phase of a decimator its own reverse).
 */
function isSymmetric(c: Coeffs): boolean {
  const N = c.length;
  for (let k = 0; k < N >> 1; k++) if (c[k] !== c[N - 1 - k]) return false;
  return true;
}

/** Zeroth-order modified Bessel function of the first kind (series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/** Dot product of c[ci .. ci+K) and b[bi .. bi+K), four partial sums so the adds pipeline. */
function dot(c: Coeffs, ci: number, b: Coeffs, bi: number, K: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    a0 += c[ci + k]! * b[bi + k]!;
    a1 += c[ci + k + 1]! * b[bi + k + 1]!;
    a2 += c[ci + k + 2]! * b[bi + k + 2]!;
    a3 += c[ci + k + 3]! * b[bi + k + 3]!;
  }
  for (; k < K; k++) a0 += c[ci + k]! * b[bi + k]!;
  return a0 + a1 + (a2 + a3);
}

function toInt16(x: number): number {
  const r = Math.round(x);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * A resampler with a small output FIFO, for sources that deliver chunks of any size (a device
 * callback of 1024 frames at 44.1 kHz, say): `write` any number of samples at `inRate`, `read`
 * fixed 20 ms frames at `outRate`. When the FIFO is full the oldest samples are dropped and
 * counted in `overruns`.
 */
export class FrameResampler {
  readonly resampler: Resampler;
  private readonly ring: Int16Array;
  private readonly scratch: Int16Array;
  private readPos = 0;
  private fill = 0;
  private dropped = 0;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    options: ResamplerOptions & { readonly capacityFrames?: number } = {},
  ) {
    this.resampler = new Resampler(inRate, outRate, { ...options, maxInput: 4 * samplesPerFrame(inRate) });
    this.ring = new Int16Array(this.resampler.outFrame * (options.capacityFrames ?? 4));
    // Enough for the largest chunk `write` hands the resampler at any phase.
    this.scratch = new Int16Array(Math.ceil((4 * this.resampler.inFrame * outRate) / inRate) + 2);
  }

  /** Output samples waiting in the FIFO. */
  get available(): number {
    return this.fill;
  }

  /** Output samples dropped because the FIFO was full. */
  get overruns(): number {
    return this.dropped;
  }

  /** Resamples `chunk` (any length) into the FIFO. */
  write(chunk: Int16Array): void {
    const max = 4 * this.resampler.inFrame;
    for (let off = 0; off < chunk.length; off += max) {
      const part = chunk.subarray(off, Math.min(chunk.length, off + max));
      const n = this.resampler.process(part, this.scratch);
      this.push(n);
    }
  }

  /** Fills `frame` (`samplesPerFrame(outRate)` long) and returns true, or returns false if fewer are buffered. */
  read(frame: Int16Array): boolean {
    const n = frame.length;
    if (this.fill < n) return false;
    const cap = this.ring.length;
    for (let i = 0; i < n; i++) frame[i] = this.ring[(this.readPos + i) % cap]!;
    this.readPos = (this.readPos + n) % cap;
    this.fill -= n;
    return true;
  }

  reset(): void {
    this.resampler.reset();
    this.readPos = 0;
    this.fill = 0;
  }

  private push(n: number): void {
    const cap = this.ring.length;
    for (let i = 0; i < n; i++) {
      if (this.fill === cap) {
        this.readPos = (this.readPos + 1) % cap;
        this.fill--;
        this.dropped++;
      }
      this.ring[(this.readPos + this.fill) % cap] = this.scratch[i]!;
      this.fill++;
    }
  }
}
