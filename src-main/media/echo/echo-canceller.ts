/**
 * Acoustic echo cancellation: a frequency-domain block adaptive filter (MDF, "multidelay block
 * frequency-domain" filter — Soo & Pang 1990, the structure of Speex's `mdf.c`) with
 *
 * - a two-path structure: a background filter adapts all the time (NLMS, normalised per bin by
 *   the far-end power) while the foreground filter, which produces the output, is replaced
 *   by the background only when the background has been measurably better; a background that
 *   diverges (double talk, a path change) is reset from the foreground. Near-end speech during
 *   double talk therefore never reaches the output through a filter that learned it;
 * - a double-talk detector that stops adaptation while the error is far above the echo the
 *   converged filter predicts;
 * - a residual echo suppressor: a per-bin Wiener-style gain from the echo estimate and the
 *   measured leakage (the part of the echo estimate still correlated with the error, so
 *   near-end speech — uncorrelated — is never taken for residual echo), applied by weighted overlap-add (sqrt-Hann, 50 %), adding one block of
 *   latency (4 ms at 16 kHz).
 *
 * Works on any 20 ms frame: frames are split into blocks of the largest power of two ≤ 128
 * that divides them (32 at 8 kHz, 64 at 16/48 kHz). Run it at 8 or 16 kHz: at 48 kHz a 128 ms
 * tail is 6144 taps. Everything is preallocated; `process` allocates nothing.
 */
import { ValidationError } from '../../base/errors';
import { samplesPerFrame } from '../frame';
import { blockSizeFor, Fft } from './fft';

export interface EchoCancellerOptions {
  readonly sampleRate: number;
  /** Echo tail covered by the filter, in ms (default 128). */
  readonly tailMs?: number;
  /** Adaptation step, 0 < mu ≤ 1 (default 0.4). */
  readonly mu?: number;
  /** Apply the residual echo suppressor after the linear filter (default true). */
  readonly residualSuppression?: boolean;
}

export interface EchoCancellerStats {
  /** Smoothed echo return loss enhancement of the linear filter, in dB (mic vs error power). */
  readonly erleDb: number;
  /** Whether the last block was judged double talk (adaptation frozen). */
  readonly doubleTalk: boolean;
  /** Times the foreground filter took the background's coefficients. */
  readonly foregroundUpdates: number;
  /** Times the background filter was reset from the foreground (divergence). */
  readonly backgroundResets: number;
  /** Times the foreground was dropped because it added echo (the echo path moved). */
  readonly foregroundResets: number;
}

const SMOOTH = 0.05;
/** Smoothing of the ⟨e·y⟩ and ⟨y·y⟩ averages per block, and the lowest residual ratio. */
const RER_SMOOTH = 0.05;
const RER_FLOOR = 0.01;
/**
 * The foreground takes the background's filter only when the background's error has been
 * lower by this factor (smoothed over ≈ 80 ms): a background that fitted near-end speech for a
 * moment (NLMS overfits at this step size) is never good for that long, a converging one is.
 */
const FG_UPDATE_RATIO = 0.5;
/** A foreground whose error is this much louder than the microphone (1 dB) is dropped. */
const FG_HARM_RATIO = 1.26;
/** Assumed capture noise floor per sample (≈ -60 dBFS). */
const NOISE_POWER = 1000;

export class EchoCanceller {
  readonly sampleRate: number;
  readonly frameSamples: number;
  readonly blockSize: number;
  readonly partitions: number;
  private readonly fft: Fft;
  private readonly bins: number;
  private readonly mu: number;
  private readonly suppress: boolean;
  // far-end history and spectra (ring of partitions)
  private readonly xTime: Float64Array;
  private readonly Xr: Float64Array;
  private readonly Xi: Float64Array;
  private xPos = 0;
  private readonly Pxx: Float64Array;
  // filters
  private readonly Wfr: Float64Array;
  private readonly Wfi: Float64Array;
  private readonly Wbr: Float64Array;
  private readonly Wbi: Float64Array;
  private constrainNext = 0;
  // scratch
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly Er: Float64Array;
  private readonly Ei: Float64Array;
  private readonly yFg: Float64Array;
  private readonly eFg: Float64Array;
  private readonly eBg: Float64Array;
  // two-path and DTD state
  private sFg = 0;
  private sBg = 0;
  private sMic = 0;
  private sEcho = 0;
  private dAvg = 0;
  private leak = 1;
  /**
   * Residual-to-echo ratio for the suppressor, from how much of the echo estimate is still in
   * the error (Speex's leak estimate: ⟨e·y⟩ / ⟨y·y⟩). Unlike `leak` it ignores near-end sound,
   * which is uncorrelated with the echo estimate: with no echo path it falls to its floor and the
   * suppressor leaves near-end speech alone.
   */
  private rer = 1;
  private pey = 0;
  private pyy = 0;
  private converged = false;
  private dtHold = 0;
  private dtRun = 0;
  private dt = false;
  private fgUpdates = 0;
  private bgResets = 0;
  private fgResets = 0;
  // residual suppressor (WOLA)
  private readonly win: Float64Array;
  private readonly eHist: Float64Array;
  private readonly yHist: Float64Array;
  private readonly ola: Float64Array;
  private readonly gain: Float64Array;
  private readonly delta: number;

  constructor(options: EchoCancellerOptions) {
    this.sampleRate = options.sampleRate;
    this.frameSamples = samplesPerFrame(options.sampleRate);
    const B = blockSizeFor(this.frameSamples, 128);
    if (B < 16) throw new ValidationError(`no usable block size for ${this.frameSamples}-sample frames`);
    this.blockSize = B;
    const L = 2 * B;
    this.fft = new Fft(L);
    this.bins = B + 1;
    this.partitions = Math.max(1, Math.ceil(((options.tailMs ?? 128) * options.sampleRate) / 1000 / B));
    this.mu = options.mu ?? 0.4;
    if (!(this.mu > 0 && this.mu <= 1)) throw new ValidationError(`mu ${this.mu} out of (0, 1]`);
    this.suppress = options.residualSuppression ?? true;
    const KH = this.partitions * this.bins;
    this.xTime = new Float64Array(L);
    this.Xr = new Float64Array(KH);
    this.Xi = new Float64Array(KH);
    this.Pxx = new Float64Array(this.bins);
    this.Wfr = new Float64Array(KH);
    this.Wfi = new Float64Array(KH);
    this.Wbr = new Float64Array(KH);
    this.Wbi = new Float64Array(KH);
    this.re = new Float64Array(L);
    this.im = new Float64Array(L);
    this.Er = new Float64Array(this.bins);
    this.Ei = new Float64Array(this.bins);
    this.yFg = new Float64Array(B);
    this.eFg = new Float64Array(B);
    this.eBg = new Float64Array(B);
    this.win = new Float64Array(L);
    for (let i = 0; i < L; i++) this.win[i] = Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / L));
    this.eHist = new Float64Array(L);
    this.yHist = new Float64Array(L);
    this.ola = new Float64Array(B);
    this.gain = new Float64Array(this.bins).fill(1);
    // Regularisation: far-end power below ~-70 dBFS per sample adapts nothing.
    this.delta = L * L * 10;
  }

  stats(): EchoCancellerStats {
    return {
      erleDb: 10 * Math.log10((this.sMic + 1) / (this.sFg + 1)),
      doubleTalk: this.dt,
      foregroundUpdates: this.fgUpdates,
      backgroundResets: this.bgResets,
      foregroundResets: this.fgResets,
    };
  }

  /**
   * Cancels the echo of `farEnd` (what was played, aligned to this capture frame) from `mic`
   * into `out`. All three are one frame long; `out` may be `mic`.
   */
  process(mic: Int16Array, farEnd: Int16Array, out: Int16Array): void {
    const B = this.blockSize;
    for (let at = 0; at < this.frameSamples; at += B) this.block(mic, farEnd, out, at);
  }

  private block(mic: Int16Array, far: Int16Array, out: Int16Array, at: number): void {
    const B = this.blockSize;
    const H = this.bins;
    const K = this.partitions;
    const re = this.re;
    const im = this.im;
    // 1. Far-end spectrum of [previous block, this block] into the partition ring.
    const xt = this.xTime;
    xt.copyWithin(0, B);
    let ex = 0;
    for (let i = 0; i < B; i++) {
      const v = far[at + i]!;
      xt[B + i] = v;
      ex += v * v;
    }
    re.set(xt);
    im.fill(0);
    this.fft.forward(re, im);
    this.xPos = (this.xPos + K - 1) % K;
    const x0 = this.xPos * H;
    // Normalisation: the far-end power per bin over the whole filter memory (all partitions).
    for (let f = 0; f < H; f++) {
      const old = this.Xr[x0 + f]! * this.Xr[x0 + f]! + this.Xi[x0 + f]! * this.Xi[x0 + f]!;
      this.Xr[x0 + f] = re[f]!;
      this.Xi[x0 + f] = im[f]!;
      const p = re[f]! * re[f]! + im[f]! * im[f]!;
      this.Pxx[f] = Math.max(0, this.Pxx[f]! + p - old);
    }
    if (this.xPos === 0) this.recomputePower();
    // 2. Both filters' echo estimates and errors.
    this.filter(this.Wfr, this.Wfi, this.yFg);
    let ed = 0;
    let ef = 0;
    let ey = 0;
    let cey = 0;
    for (let i = 0; i < B; i++) {
      const d = mic[at + i]!;
      const e = d - this.yFg[i]!;
      this.eFg[i] = e;
      ed += d * d;
      ef += e * e;
      ey += this.yFg[i]! * this.yFg[i]!;
      cey += e * this.yFg[i]!;
    }
    this.filter(this.Wbr, this.Wbi, this.eBg);
    let eb = 0;
    for (let i = 0; i < B; i++) {
      const e = mic[at + i]! - this.eBg[i]!;
      this.eBg[i] = e;
      eb += e * e;
    }
    const farActive = ex > B * 100; // above ≈ -50 dBFS
    // 3. Double-talk detection: once converged, an error far above the echo that the filter
    //    leaves behind means the near end is talking.
    //    Double talk that never ends is an echo path change instead: after ~2 s, re-converge.
    if (this.converged && farActive && ef > 20 * this.leak * ey + 2 * B * NOISE_POWER) this.dtHold = 8;
    this.dt = this.dtHold > 0;
    if (this.dtHold > 0) this.dtHold--;
    this.dtRun = this.dt ? this.dtRun + B : 0;
    if (this.dtRun > 2 * this.sampleRate) {
      this.converged = false;
      this.leak = 1;
      this.dtRun = 0;
    }
    // 4. Background adaptation (NLMS per bin), unless double talk.
    if (farActive && !this.dt) this.adapt(this.eBg);
    // 5. Two-path decision.
    this.sFg += SMOOTH * (ef - this.sFg);
    this.sBg += SMOOTH * (eb - this.sBg);
    this.sMic += SMOOTH * (ed - this.sMic);
    this.sEcho += SMOOTH * (ey - this.sEcho);
    this.dAvg = 0.8 * this.dAvg + 0.2 * (ef - eb);
    if (this.sFg > FG_HARM_RATIO * this.sMic + B * NOISE_POWER && this.fgUpdates > 0) {
      // The foreground adds more than it takes away: the echo path moved (a device's latency
      // changed, the speaker was moved). Pass the microphone through instead, and re-converge
      // from the background, which keeps adapting, with double-talk detection off until then.
      this.Wfr.fill(0);
      this.Wfi.fill(0);
      this.fgResets++;
      this.sFg = this.sMic;
      this.dAvg = 0;
      this.converged = false;
      this.leak = 1;
      this.dtRun = 0;
    } else if (this.dAvg > 0.05 * this.sFg && eb < ef && this.sBg < FG_UPDATE_RATIO * this.sFg) {
      this.Wfr.set(this.Wbr);
      this.Wfi.set(this.Wbi);
      this.fgUpdates++;
      this.dAvg = 0;
      this.sFg = this.sBg;
    } else if (this.sBg > 3 * this.sFg + B && this.fgUpdates > 0) {
      this.Wbr.set(this.Wfr);
      this.Wbi.set(this.Wfi);
      this.bgResets++;
      this.dAvg = 0;
      this.sBg = this.sFg;
    }
    if (farActive && !this.dt && ey > 0) {
      const inst = Math.min(1, ef / (ey + 1));
      this.leak += (inst < this.leak ? 0.3 : 0.002) * (inst - this.leak);
      // Latched: once converged, only an echo path change (endless "double talk") un-latches.
      if (this.sMic > 4 * this.sFg) this.converged = true;
    }
    if (farActive && ey > B * NOISE_POWER * 1e-3) {
      this.pey += RER_SMOOTH * (cey - this.pey);
      this.pyy += RER_SMOOTH * (ey - this.pyy);
      this.rer = Math.min(1, Math.max(RER_FLOOR, this.pey / (this.pyy + 1)));
    }
    // 6. Output: residual echo suppression or the linear error.
    if (this.suppress) this.postFilter(out, at);
    else for (let i = 0; i < B; i++) out[at + i] = clamp(this.eFg[i]!);
  }

  /** Recomputes the running power sums from scratch (once per K blocks, against drift). */
  private recomputePower(): void {
    const H = this.bins;
    this.Pxx.fill(0);
    for (let k = 0; k < this.partitions; k++) {
      for (let f = 0; f < H; f++) {
        const r = this.Xr[k * H + f]!;
        const i = this.Xi[k * H + f]!;
        this.Pxx[f]! += r * r + i * i;
      }
    }
  }

  /** y = last B samples of IFFT(Σ_k W_k · X_k). */
  private filter(Wr: Float64Array, Wi: Float64Array, y: Float64Array): void {
    const B = this.blockSize;
    const H = this.bins;
    const K = this.partitions;
    const re = this.re;
    const im = this.im;
    re.fill(0);
    im.fill(0);
    for (let k = 0; k < K; k++) {
      const x = ((this.xPos + k) % K) * H;
      const w = k * H;
      for (let f = 0; f < H; f++) {
        const xr = this.Xr[x + f]!;
        const xi = this.Xi[x + f]!;
        const wr = Wr[w + f]!;
        const wi = Wi[w + f]!;
        re[f]! += wr * xr - wi * xi;
        im[f]! += wr * xi + wi * xr;
      }
    }
    this.mirror();
    this.fft.inverse(re, im);
    for (let i = 0; i < B; i++) y[i] = re[B + i]!;
  }

  /** W_k += mu · conj(X_k) · E / (K·Pxx + δ), gradient-constrained on one partition per block. */
  private adapt(e: Float64Array): void {
    const B = this.blockSize;
    const H = this.bins;
    const K = this.partitions;
    const re = this.re;
    const im = this.im;
    re.fill(0, 0, B);
    for (let i = 0; i < B; i++) re[B + i] = e[i]!;
    im.fill(0);
    this.fft.forward(re, im);
    for (let f = 0; f < H; f++) {
      const g = this.mu / (this.Pxx[f]! + this.delta);
      this.Er[f] = re[f]! * g;
      this.Ei[f] = im[f]! * g;
    }
    for (let k = 0; k < K; k++) {
      const x = ((this.xPos + k) % K) * H;
      const w = k * H;
      for (let f = 0; f < H; f++) {
        const xr = this.Xr[x + f]!;
        const xi = this.Xi[x + f]!;
        const er = this.Er[f]!;
        const ei = this.Ei[f]!;
        this.Wbr[w + f]! += xr * er + xi * ei;
        this.Wbi[w + f]! += xr * ei - xi * er;
      }
    }
    // Gradient constraint (the filter's impulse response must fit in B samples), round-robin.
    const k = this.constrainNext;
    this.constrainNext = (k + 1) % K;
    const w = k * H;
    for (let f = 0; f < H; f++) {
      re[f] = this.Wbr[w + f]!;
      im[f] = this.Wbi[w + f]!;
    }
    this.mirror();
    this.fft.inverse(re, im);
    re.fill(0, B);
    im.fill(0);
    this.fft.forward(re, im);
    for (let f = 0; f < H; f++) {
      this.Wbr[w + f] = re[f]!;
      this.Wbi[w + f] = im[f]!;
    }
  }

  /** Residual echo suppression by weighted overlap-add over the last two blocks. */
  private postFilter(out: Int16Array, at: number): void {
    const B = this.blockSize;
    const L = 2 * B;
    const H = this.bins;
    const re = this.re;
    const im = this.im;
    const win = this.win;
    this.eHist.copyWithin(0, B);
    this.yHist.copyWithin(0, B);
    for (let i = 0; i < B; i++) {
      this.eHist[B + i] = this.eFg[i]!;
      this.yHist[B + i] = this.yFg[i]!;
    }
    // Echo estimate spectrum → |Y|² into Er.
    for (let i = 0; i < L; i++) re[i] = this.yHist[i]! * win[i]!;
    im.fill(0);
    this.fft.forward(re, im);
    for (let f = 0; f < H; f++) this.Er[f] = re[f]! * re[f]! + im[f]! * im[f]!;
    for (let i = 0; i < L; i++) re[i] = this.eHist[i]! * win[i]!;
    im.fill(0);
    this.fft.forward(re, im);
    const rer = this.rer;
    for (let f = 0; f < H; f++) {
      const pe = re[f]! * re[f]! + im[f]! * im[f]! + 1e-3;
      const g = Math.max(0.1, 1 - (2 * rer * this.Er[f]!) / pe);
      // Fast attack, slower recovery between blocks keeps musical noise down.
      const gs = g < this.gain[f]! ? g : this.gain[f]! + 0.5 * (g - this.gain[f]!);
      this.gain[f] = gs;
      re[f]! *= gs;
      im[f]! *= gs;
    }
    this.mirror();
    this.fft.inverse(re, im);
    for (let i = 0; i < B; i++) {
      out[at + i] = clamp(this.ola[i]! + re[i]! * win[i]!);
      this.ola[i] = re[B + i]! * win[B + i]!;
    }
  }

  /** Fills bins B+1..L-1 with the conjugates of 1..B-1 (a real signal's spectrum). */
  private mirror(): void {
    const B = this.blockSize;
    const L = 2 * B;
    const re = this.re;
    const im = this.im;
    im[0] = 0;
    im[B] = 0;
    for (let f = 1; f < B; f++) {
      re[L - f] = re[f]!;
      im[L - f] = -im[f]!;
    }
  }
}

function clamp(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
}
