/**
 * Jitter-buffer statistics (pjmedia_jb_state) and the sliding window of arrival offsets that
 * drives the adaptive target delay.
 */

/** A snapshot of the buffer's counters. Delays are in milliseconds, counts in frames. */
export interface JitterStats {
  /** Audio between the play point and the newest frame received. */
  readonly delayMs: number;
  /** The delay the buffer steers toward (jitter of the window, within [min, max]). */
  readonly targetMs: number;
  /** RFC 3550 §6.4.1 interarrival jitter estimate. */
  readonly jitterMs: number;
  readonly received: number;
  /** Slots played as `lost` because their packet never came (a sequence gap). */
  readonly lost: number;
  /** Every `lost` result, including stretches during underflow. */
  readonly concealed: number;
  /** Packets that arrived after their slot had been played (discarded). */
  readonly late: number;
  /** Packets whose slot was already filled. */
  readonly duplicates: number;
  /** Packets that arrived after one with a higher sequence number. */
  readonly reordered: number;
  /** Frames thrown away: late, duplicate, oversize and adaptive drops together. */
  readonly discarded: number;
  /** Frames dropped on purpose to shrink the delay. */
  readonly dropped: number;
  /** Frames inserted (held play point) to grow the delay or ride out an underflow. */
  readonly stretched: number;
  /** Gets that had nothing to play: before the first packet, and silence (DTX) gaps. */
  readonly empty: number;
  /** Restarts of the timeline: timestamp/sequence jumps, SSRC changes. */
  readonly resyncs: number;
}

const HIST = 1024;

/**
 * The last `capacity` arrival offsets (slot minus get count at arrival: how early a packet
 * is, on the receiver's 20 ms tick), with quantiles over them. No allocation after construction.
 */
export class OffsetWindow {
  private readonly values: Float64Array;
  private readonly scratch: Float64Array;
  /** Histogram over [min, min + HIST) for the usual case of integer offsets in a small range. */
  private readonly hist = new Int32Array(HIST);
  private next = 0;
  private count = 0;
  private dirty = true;
  private useHist = false;
  private min = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(v: number): void {
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.dirty = true;
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
    this.dirty = true;
  }

  /** The q-quantile (0 = minimum, 1 = maximum) of the values in the window. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    if (this.dirty) this.rebuild();
    const rank = Math.min(this.count - 1, Math.max(0, Math.floor(q * (this.count - 1))));
    if (!this.useHist) return this.scratch[rank]!;
    let seen = 0;
    for (let i = 0; i < HIST; i++) {
      seen += this.hist[i]!;
      if (seen > rank) return this.min + i;
    }
    return this.min + HIST - 1;
  }

  private rebuild(): void {
    this.dirty = false;
    const n = this.count;
    const v = this.values;
    let lo = Infinity;
    let hi = -Infinity;
    let integral = true;
    for (let i = 0; i < n; i++) {
      const x = v[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      if (!Number.isInteger(x)) integral = false;
    }
    this.useHist = integral && hi - lo < HIST;
    if (this.useHist) {
      this.min = lo;
      this.hist.fill(0, 0, hi - lo + 1);
      for (let i = 0; i < n; i++) this.hist[v[i]! - lo]!++;
      return;
    }
    const s = n === this.capacity ? this.scratch : this.scratch.subarray(0, n);
    s.set(n === this.capacity ? v : v.subarray(0, n));
    s.sort();
  }
}

/** RFC 3550 §6.4.1 / Appendix A.8 interarrival jitter, in milliseconds. */
export class InterarrivalJitter {
  private lastTransit: number | undefined;
  private jitter = 0;

  constructor(private readonly clockRate: number) {}

  /** `timestamp` is the unwrapped RTP timestamp; `arrivalMs` the receiver's clock. */
  update(timestamp: number, arrivalMs: number): void {
    const transit = arrivalMs - (timestamp * 1000) / this.clockRate;
    if (this.lastTransit !== undefined) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  reset(): void {
    this.lastTransit = undefined;
  }

  get valueMs(): number {
    return this.jitter;
  }
}
