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
 */
import { samplesPerFrame } from './frame';

export interface ResamplerOptions {
  /** Sinc zero crossings each side of the centre (default 32: about 85 dB of stopband). */
  readonly zeroCrossings?: number;
  /** Cutoff as a fraction of the lower rate's Nyquist frequency (default 0.9). */
  readonly rolloff?: number;
  /** Kaiser window β (default 8.6). */
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
  private readonly coeffs: Float32Array;
  private readonly buf: Float32Array;
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
    const zc = options.zeroCrossings ?? 32;
    const rolloff = options.rolloff ?? 0.9;
    const beta = options.beta ?? 8.6;
    const L = this.up;
    const cutoffHz = 0.5 * Math.min(inRate, outRate) * rolloff;
    if (inRate === outRate) {
      this.taps = 1;
      this.coeffs = new Float32Array([1]);
    } else {
      this.taps = Math.ceil((zc * inRate) / cutoffHz);
      this.coeffs = designPolyphase(L, this.taps, cutoffHz / (L * inRate), beta);
    }
    this.delay = ((this.taps * L - 1) / 2 / L) * (outRate / inRate);
    this.buf = new Float32Array(this.taps - 1 + this.maxInput);
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
    const L = this.up;
    const M = this.down;
    const buf = this.buf;
    const c = this.coeffs;
    for (let i = 0; i < n; i++) buf[K - 1 + i] = input[i]!;
    const last = K - 1 + n - 1;
    let idx = this.inIdx;
    let phase = this.phase;
    let o = 0;
    while (idx <= last) {
      const base = phase * K;
      let acc = 0;
      for (let k = 0; k < K; k++) acc += c[base + k]! * buf[idx - k]!;
      const r = Math.round(acc);
      output[o++] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
      phase += M;
      while (phase >= L) {
        phase -= L;
        idx++;
      }
    }
    // Keep the last K−1 inputs as history.
    buf.copyWithin(0, n, n + K - 1);
    this.inIdx = idx - n;
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
 * rearranged phase-major: coeffs[p·K + k] = L·h[k·L + p].
 */
function designPolyphase(L: number, K: number, fc: number, beta: number): Float32Array {
  const N = K * L;
  const centre = (N - 1) / 2;
  const i0b = besselI0(beta);
  const out = new Float32Array(N);
  for (let j = 0; j < N; j++) {
    const x = j - centre;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const r = x / (centre + 1);
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0b;
    const p = j % L;
    const k = (j - p) / L;
    out[p * K + k] = L * sinc * w;
  }
  return out;
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
