/**
 * Pitch-based packet-loss concealment for waveform codecs (G.711, G.722), after ITU-T G.711
 * Appendix I ("A high quality low-complexity algorithm for packet loss concealment with G.711").
 *
 * - Every good frame goes through `good()`, which keeps a history of the last 3 maximum pitch
 *   periods plus a quarter period (48.75 ms).
 * - On the first lost frame the pitch is found by normalised cross-correlation of the last
 *   20 ms against the history (lags 2.5..15 ms, i.e. 66..400 Hz), and concealment repeats the
 *   last pitch period. The first quarter period is overlap-added with the reversed tail of the
 *   real signal, so there is no step and, unlike the Appendix's reference code, no added delay.
 * - After 10 ms of loss the repeated segment grows to 2, then after 20 ms to 3 pitch periods
 *   (G.711 App. I §I.2.3), which avoids a buzzy tone; each wrap is smoothed by a quarter-period
 *   overlap with the samples that precede the segment.
 * - The output is attenuated linearly by 20 % per 10 ms after the first 10 ms, so it is silent
 *   after 60 ms of loss (App. I §I.2.4).
 * - The first good frame after a loss is cross-faded from the continued synthetic signal over
 *   a quarter period plus 4 ms per extra lost 10 ms, capped at 10 ms (App. I §I.2.5).
 *
 * Constants are given at 8 kHz and scaled by sampleRate / 8000, so the same class serves
 * G.722 at 16 kHz. Everything is preallocated in the constructor.
 */

// Lags in samples at 8 kHz.
const PITCH_LOW_8K = 20; // 400 Hz (2.5 ms), lower bound of the search
const PITCH_MAX_8K = 120; // 66.7 Hz (15 ms)
const CORR_LEN_8K = 160; // 20 ms correlation window
const TEN_MS_8K = 80;
const EXTRA_OVERLAP_8K = 32; // 4 ms per extra lost 10 ms

export class PitchPlc {
  /** Consecutive samples concealed in the current loss (0 while receiving). */
  private lostSamples = 0;
  private readonly history: Float32Array;
  /** The history as it was when the current loss began. */
  private readonly frozen: Float32Array;
  private readonly segment: Float32Array;
  private readonly pitchMax: number;
  private readonly pitchLow: number;
  private readonly corrLen: number;
  private readonly tenMs: number;
  private readonly extraOverlap: number;
  private pitch = 0;
  private periods = 1;
  private segLen = 0;
  private segPos = 0;
  /** Samples of history that hold real (or concealed) signal since the last reset. */
  private filled = 0;

  constructor(readonly sampleRate: number) {
    const r = sampleRate / 8000;
    this.pitchMax = Math.round(PITCH_MAX_8K * r);
    this.pitchLow = Math.round(PITCH_LOW_8K * r);
    this.corrLen = Math.round(CORR_LEN_8K * r);
    this.tenMs = Math.round(TEN_MS_8K * r);
    this.extraOverlap = Math.round(EXTRA_OVERLAP_8K * r);
    // 3 periods + a quarter, and enough for the correlation window plus the largest lag.
    const len = Math.max(3 * this.pitchMax + (this.pitchMax >> 2), this.corrLen + this.pitchMax);
    this.history = new Float32Array(len);
    this.segment = new Float32Array(3 * this.pitchMax);
    this.frozen = new Float32Array(len);
  }

  /** Frames are concealed since the last good one. */
  get isConcealing(): boolean {
    return this.lostSamples > 0;
  }

  /**
   * Records a good decoded frame. When it ends a loss, its start is cross-faded in place from
   * the continued concealment signal.
   */
  good(frame: Int16Array, length = frame.length): void {
    if (this.lostSamples > 0) {
      const extra10ms = Math.max(0, Math.ceil(this.lostSamples / this.tenMs) - 1);
      const olen = Math.min(length, this.tenMs, (this.pitch >> 2) + extra10ms * this.extraOverlap);
      const gain0 = this.gainAt(this.lostSamples);
      for (let i = 0; i < olen; i++) {
        const w = (i + 1) / (olen + 1);
        const synth = this.nextSynthetic() * Math.max(0, gain0 - (i * 0.2) / this.tenMs);
        frame[i] = clamp16(synth * (1 - w) + frame[i]! * w);
      }
      this.lostSamples = 0;
    }
    this.pushHistory(frame, length);
  }

  /** Writes `length` samples of concealment into `out` and returns `length`. */
  conceal(out: Int16Array, length = out.length): number {
    if (this.filled < this.history.length) {
      // Not enough history to find a pitch: nothing sensible to repeat.
      out.fill(0, 0, length);
      this.lostSamples += length;
      return length;
    }
    let i = 0;
    if (this.lostSamples === 0) {
      this.frozen.set(this.history);
      this.segLen = 0;
      this.pitch = this.findPitch();
      this.setPeriods(1);
      // Overlap-add the first quarter period with the reversed tail of the real signal.
      const q = this.pitch >> 2;
      const h = this.history;
      const hl = h.length;
      for (; i < q && i < length; i++) {
        const w = (i + 1) / (q + 1);
        out[i] = clamp16(h[hl - 1 - i]! * (1 - w) + this.nextSynthetic() * w);
      }
    }
    for (; i < length; i++) {
      const n = this.lostSamples + i;
      if (n === this.tenMs) this.setPeriods(2);
      else if (n === 2 * this.tenMs) this.setPeriods(3);
      const g = this.gainAt(n);
      out[i] = g > 0 ? clamp16(this.nextSynthetic() * g) : 0;
    }
    this.lostSamples += length;
    this.pushHistory(out, length);
    return length;
  }

  reset(): void {
    this.history.fill(0);
    this.filled = 0;
    this.lostSamples = 0;
  }

  /** 1 for the first 10 ms, then down 20 % per 10 ms: 0 from 60 ms on. */
  private gainAt(n: number): number {
    if (n < this.tenMs) return 1;
    return Math.max(0, 1 - (0.2 * (n - this.tenMs)) / this.tenMs);
  }

  /** Takes the last `k` pitch periods of history as the segment to repeat. */
  private setPeriods(k: number): void {
    const p = this.pitch;
    const h = this.frozen;
    const len = k * p;
    const q = p >> 2;
    const base = h.length - len;
    if (base - q < 0) return; // not enough history for more periods: keep the current segment
    for (let i = 0; i < len; i++) this.segment[i] = h[base + i]!;
    // Smooth the wrap: the segment's last quarter fades toward the samples that lead into its
    // first sample.
    for (let j = 0; j < q; j++) {
      const w = (j + 1) / (q + 1);
      const idx = len - q + j;
      this.segment[idx] = this.segment[idx]! * (1 - w) + h[base - q + j]! * w;
    }
    // Keep the phase: continue from the same point in the pitch cycle.
    this.segPos = this.segLen > 0 ? (this.segPos % p) + (len - p) : 0;
    if (this.segPos >= len) this.segPos -= len;
    this.segLen = len;
  }

  private nextSynthetic(): number {
    const v = this.segment[this.segPos]!;
    this.segPos++;
    if (this.segPos >= this.segLen) this.segPos = 0;
    return v;
  }

  /** Lag in [pitchLow, pitchMax] that maximises the normalised cross-correlation. */
  private findPitch(): number {
    const h = this.history;
    const hl = h.length;
    const n = this.corrLen;
    const ref = hl - n;
    let best = this.pitchMax;
    let bestScore = -Infinity;
    for (let lag = this.pitchLow; lag <= this.pitchMax; lag++) {
      let corr = 0;
      let energy = 0;
      for (let i = 0; i < n; i++) {
        const x = h[ref - lag + i]!;
        corr += h[ref + i]! * x;
        energy += x * x;
      }
      const score = energy > 0 ? corr / Math.sqrt(energy) : 0;
      if (score > bestScore) {
        bestScore = score;
        best = lag;
      }
    }
    return best;
  }

  private pushHistory(src: Int16Array, length: number): void {
    const h = this.history;
    const hl = h.length;
    if (length >= hl) {
      for (let i = 0; i < hl; i++) h[i] = src[length - hl + i]!;
    } else {
      h.copyWithin(0, length);
      for (let i = 0; i < length; i++) h[hl - length + i] = src[i]!;
    }
    this.filled = Math.min(hl, this.filled + length);
  }
}

function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}
