/**
 * Finds how long the speaker's sound takes to come back into the microphone — the bulk delay
 * of the echo path — so the canceller's reference can be delayed to match. A sound card's own
 * buffers, a sound server (PulseAudio adds tens of ms each way) and Bluetooth can put the echo
 * 100–400 ms after the frame that was played: beyond the canceller's 128 ms tail it cannot be
 * cancelled at all.
 *
 * Method: 10 ms log-energy envelopes of what was played and of what was captured, sampled at
 * the same instants (one pair per captured frame); every second with far-end speech, the
 * Pearson correlation of the last 2 s of the microphone envelope against the reference
 * envelope at each lag up to `maxDelayMs`. A peak ≥ 0.6 found at the same lag (±10 ms) twice in
 * a row is taken (the earliest of near-equal peaks: speech's rhythm repeats), and kept while it
 * still matches nearly as well as the best: near-end speech or noise lowers the correlation, it
 * does not move the peak.
 * Allocates nothing after construction.
 */

/** Envelope resolution. */
export const ENVELOPE_MS = 10;
const WINDOW_MS = 2000;
const EVERY_MS = 1000;
const MIN_CORRELATION = 0.6;
/** Lags this close to the best correlation count as matches (the earliest one is taken). */
const NEAR_BEST = 0.05;
/** The current delay is kept while its correlation is this close to the best. */
const KEEP_MARGIN = 0.1;
/** ln(mean square) of a sine at `dbfs`. */
const logPowerAt = (dbfs: number): number => Math.log((32768 * 10 ** (dbfs / 20)) ** 2 / 2 + 1);
/** Log-energy floor (-70 dBFS) so silence and hiss do not dominate the correlation. */
const FLOOR = logPowerAt(-70);
/** Far-end audio counts as speech from -50 dBFS. */
const ACTIVE = logPowerAt(-50);

export interface EchoDelayEstimate {
  readonly delayMs: number;
  readonly correlation: number;
}

export class EchoDelayEstimator {
  private readonly maxLag: number;
  private readonly window: number;
  private readonly ref: Float64Array;
  private readonly mic: Float64Array;
  private readonly refActive: Uint8Array;
  private readonly corr: Float64Array;
  private pos = 0;
  private filled = 0;
  private sinceEstimate = 0;
  private candidate = -1;
  private current: EchoDelayEstimate | undefined;
  private last: EchoDelayEstimate | undefined;

  constructor(
    private readonly sampleRate: number,
    maxDelayMs = 600,
  ) {
    this.maxLag = Math.ceil(maxDelayMs / ENVELOPE_MS);
    this.window = WINDOW_MS / ENVELOPE_MS;
    const n = this.window + this.maxLag;
    this.ref = new Float64Array(n);
    this.mic = new Float64Array(n);
    this.refActive = new Uint8Array(n);
    this.corr = new Float64Array(this.maxLag + 1);
  }

  /** The accepted estimate (undefined until one is found twice). */
  get estimate(): EchoDelayEstimate | undefined {
    return this.current;
  }

  /** The most recent correlation peak, accepted or not (diagnostics). */
  get lastPeak(): EchoDelayEstimate | undefined {
    return this.last;
  }

  /**
   * One captured frame and the newest played frame at the same instant. Returns the new
   * estimate when it changed, else undefined.
   */
  update(mic: Int16Array, played: Int16Array): EchoDelayEstimate | undefined {
    const step = Math.round((this.sampleRate * ENVELOPE_MS) / 1000);
    let changed: EchoDelayEstimate | undefined;
    for (let at = 0; at + step <= mic.length; at += step) {
      const r = logEnergy(played, at, step);
      this.ref[this.pos] = r;
      this.refActive[this.pos] = r > ACTIVE ? 1 : 0;
      this.mic[this.pos] = logEnergy(mic, at, step);
      this.pos = (this.pos + 1) % this.ref.length;
      if (this.filled < this.ref.length) this.filled++;
      if (++this.sinceEstimate >= EVERY_MS / ENVELOPE_MS && this.filled === this.ref.length) {
        this.sinceEstimate = 0;
        changed = this.estimateNow() ?? changed;
      }
    }
    return changed;
  }

  /** The echo path got `deltaMs` longer (negative: shorter) for a known reason: follow it. */
  moved(deltaMs: number): void {
    if (this.current) this.current = { ...this.current, delayMs: Math.max(0, this.current.delayMs + deltaMs) };
  }

  reset(): void {
    this.pos = 0;
    this.filled = 0;
    this.sinceEstimate = 0;
    this.candidate = -1;
    this.current = undefined;
    this.last = undefined;
  }

  private estimateNow(): EchoDelayEstimate | undefined {
    const n = this.ref.length;
    const W = this.window;
    // Far-end speech in at least a quarter of the window (at any lag): else nothing to learn.
    let active = 0;
    for (let i = 0; i < n; i++) active += this.refActive[i]!;
    if (active < W / 4) return undefined;
    // The microphone's newest W points: indexes pos-W .. pos-1 (mod n).
    let mMean = 0;
    for (let j = 0; j < W; j++) mMean += this.mic[(this.pos - W + j + n) % n]!;
    mMean /= W;
    let mVar = 0;
    for (let j = 0; j < W; j++) mVar += (this.mic[(this.pos - W + j + n) % n]! - mMean) ** 2;
    const corr = this.corr;
    let best = -1;
    for (let lag = 0; lag <= this.maxLag; lag++) {
      let rMean = 0;
      for (let j = 0; j < W; j++) rMean += this.ref[(this.pos - W - lag + j + 2 * n) % n]!;
      rMean /= W;
      let cov = 0;
      let rVar = 0;
      for (let j = 0; j < W; j++) {
        const r = this.ref[(this.pos - W - lag + j + 2 * n) % n]! - rMean;
        cov += r * (this.mic[(this.pos - W + j + n) % n]! - mMean);
        rVar += r * r;
      }
      corr[lag] = rVar > 0 && mVar > 0 ? cov / Math.sqrt(rVar * mVar) : 0;
      if (corr[lag]! > best) best = corr[lag]!;
    }
    // The direct path is the earliest strong match: rhythmic speech (syllables every ~250 ms)
    // also matches one rhythm period later, nearly as well.
    let bestLag = 0;
    while (corr[bestLag]! < best - NEAR_BEST) bestLag++;
    while (bestLag < this.maxLag && corr[bestLag + 1]! > corr[bestLag]!) bestLag++;
    best = corr[bestLag]!;
    this.last = { delayMs: bestLag * ENVELOPE_MS, correlation: best };
    if (best < MIN_CORRELATION) {
      this.candidate = -1;
      return undefined;
    }
    // The delay in use still explains the echo about as well: keep it (a change restarts the
    // canceller).
    if (this.current && corr[Math.round(this.current.delayMs / ENVELOPE_MS)]! >= best - KEEP_MARGIN) {
      this.candidate = -1;
      return undefined;
    }
    const confirmed = this.candidate >= 0 && Math.abs(this.candidate - bestLag) <= 1;
    this.candidate = bestLag;
    if (!confirmed) return undefined;
    this.current = this.last;
    return this.current;
  }
}

function logEnergy(x: Int16Array, from: number, n: number): number {
  let s = 0;
  for (let i = from; i < from + n; i++) s += x[i]! * x[i]!;
  return Math.max(FLOOR, Math.log(s / n + 1));
}
