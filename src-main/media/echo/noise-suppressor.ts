/**
 * Noise suppression: a short-time spectral Wiener filter with a decision-directed a-priori SNR
 * (Ephraim & Malah 1984) and a noise estimate that follows drops of the smoothed spectrum at
 * once, averages bins that look like noise (< 5 dB above it) and otherwise rises only slowly,
 * ≈ 2 dB/s, so speech does not leak into it. Weighted overlap-add
 * with sqrt-Hann windows at 50 % overlap: one block of latency (4 ms at 16 kHz, 4 ms at 8 kHz).
 * Attenuation is floored (default -20 dB) to keep the residual noise natural rather than
 * "musical". Preallocated; `process` allocates nothing.
 */
import { samplesPerFrame } from '../frame';
import { blockSizeFor, Fft } from './fft';

export interface NoiseSuppressorOptions {
  readonly sampleRate: number;
  /** Most attenuation applied to noise, in dB (default 20). */
  readonly maxAttenuationDb?: number;
}

const DD_ALPHA = 0.98;
const NOISE_RISE = 1.002; // per block: ≈ +2 dB/s at 250 blocks/s

export class NoiseSuppressor {
  readonly sampleRate: number;
  readonly frameSamples: number;
  readonly blockSize: number;
  private readonly fft: Fft;
  private readonly floor: number;
  private readonly win: Float64Array;
  private readonly hist: Float64Array;
  private readonly ola: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly noise: Float64Array;
  private readonly prevClean: Float64Array;
  private readonly smooth: Float64Array;
  private blocks = 0;

  constructor(options: NoiseSuppressorOptions) {
    this.sampleRate = options.sampleRate;
    this.frameSamples = samplesPerFrame(options.sampleRate);
    const B = blockSizeFor(this.frameSamples, 128);
    this.blockSize = B;
    const L = 2 * B;
    this.fft = new Fft(L);
    this.floor = 10 ** (-(options.maxAttenuationDb ?? 20) / 20);
    this.win = new Float64Array(L);
    for (let i = 0; i < L; i++) this.win[i] = Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / L));
    this.hist = new Float64Array(L);
    this.ola = new Float64Array(B);
    this.re = new Float64Array(L);
    this.im = new Float64Array(L);
    this.noise = new Float64Array(B + 1);
    this.prevClean = new Float64Array(B + 1);
    this.smooth = new Float64Array(B + 1);
  }

  /** Denoises one frame from `input` into `out` (which may be `input`). */
  process(input: Int16Array, out: Int16Array): void {
    for (let at = 0; at < this.frameSamples; at += this.blockSize) this.block(input, out, at);
  }

  private block(input: Int16Array, out: Int16Array, at: number): void {
    const B = this.blockSize;
    const L = 2 * B;
    const re = this.re;
    const im = this.im;
    const win = this.win;
    this.hist.copyWithin(0, B);
    for (let i = 0; i < B; i++) this.hist[B + i] = input[at + i]!;
    for (let i = 0; i < L; i++) re[i] = this.hist[i]! * win[i]!;
    im.fill(0);
    this.fft.forward(re, im);
    const learning = this.blocks < 10;
    this.blocks++;
    for (let f = 0; f <= B; f++) {
      const p = re[f]! * re[f]! + im[f]! * im[f]! + 1e-6;
      // Smooth the periodogram, then track the noise: follow it down at once, average it
      // while the bin looks like noise, and let it creep up only slowly otherwise.
      const ps = (this.smooth[f] = learning ? p : 0.7 * this.smooth[f]! + 0.3 * p);
      let n = this.noise[f]!;
      if (learning) n = n + (p - n) / this.blocks;
      else if (ps < n) n = ps;
      else if (ps < 3 * n) n = 0.95 * n + 0.05 * ps;
      else n *= NOISE_RISE;
      this.noise[f] = n;
      const gammaPost = p / (n + 1e-6);
      const xi = DD_ALPHA * (this.prevClean[f]! / (n + 1e-6)) + (1 - DD_ALPHA) * Math.max(gammaPost - 1, 0);
      const g = Math.max(this.floor, xi / (1 + xi));
      this.prevClean[f] = g * g * p;
      re[f]! *= g;
      im[f]! *= g;
    }
    im[0] = 0;
    im[B] = 0;
    for (let f = 1; f < B; f++) {
      re[L - f] = re[f]!;
      im[L - f] = -im[f]!;
    }
    this.fft.inverse(re, im);
    for (let i = 0; i < B; i++) {
      const v = this.ola[i]! + re[i]! * win[i]!;
      out[at + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
      this.ola[i] = re[B + i]! * win[B + i]!;
    }
  }
}
