/**
 * Adaptive jitter buffer for one RTP audio stream (pjmedia `jbuf.c`, baresip `jbuf.c`).
 *
 * It holds encoded payloads in 20 ms slots numbered from the RTP timestamp; the media loop calls
 * `get()` once per 20 ms tick of the receiver's clock and decodes, conceals or plays silence
 * according to the result. Packets of another ptime must be split (G.711/G.722) into 20 ms
 * payloads before `put`.
 *
 * Adaptation. For each packet the buffer records how early it arrived on the receiver's tick
 * (`slot − gets`). The play point sits `offset = playSlot − gets`. Over a sliding window the
 * lowest offsets (a low quantile: packets allowed to be late) give the desired offset, bounded so
 * the delay for the earliest packets lies within [min, max]. Clock drift between sender and
 * receiver moves the whole distribution slowly and the play point follows it. The buffer
 * - grows by holding the play point one tick (a concealed frame; free in a silence gap),
 * - shrinks by skipping a silence gap slot, or by dropping one frame at most every 200 ms when
 *   the excess is two frames or more.
 *
 * Timeline breaks: a timestamp beyond the buffer's reach, a sequence jump of more than 100,
 * a run of late packets, or a new SSRC restart the timeline (`resyncs`).
 */
import { InterarrivalJitter, type JitterStats, OffsetWindow } from './jitter-stats';

export interface JitterBufferOptions {
  /** RTP clock rate of the stream's codec. */
  readonly clockRate: number;
  readonly frameMs?: number;
  /** Lower bound of the target delay (default 20 ms). */
  readonly minDelayMs?: number;
  /** Upper bound of the target delay (default 300 ms). */
  readonly maxDelayMs?: number;
  /** Delay before the window has enough packets to measure jitter (default 60 ms). */
  readonly initialDelayMs?: number;
  readonly maxPayloadBytes?: number;
  /** Packets in the adaptation window (default 500 = 10 s). */
  readonly windowPackets?: number;
  /** Fraction of packets allowed to arrive late (default 0.01). */
  readonly lateFraction?: number;
}

/**
 * What `get()` gives. The object and its payload view are reused: they are valid until the
 * next `put` or `get`, so decode at once (the media loop allocates nothing per frame).
 */
export type JitterGetResult =
  | { readonly kind: 'frame'; readonly payload: Uint8Array; readonly seq: number; readonly timestamp: number; readonly marker: boolean }
  /** A packet is missing: conceal. `next` is the following frame's payload when it is here (FEC). */
  | { readonly kind: 'lost'; readonly next: Uint8Array | undefined }
  /** Nothing to play: before the stream, or a silence (DTX) gap. */
  | { readonly kind: 'empty' };

export type JitterPutResult = 'queued' | 'late' | 'duplicate' | 'oversize' | 'resync';

export interface PutFlags {
  readonly marker?: boolean;
  readonly ssrc?: number;
}

const SEQ_JUMP = 100;
const LATE_RUN_RESYNC = 8;
/** Excess delay, in frames, that is cut at once instead of a frame at a time (200 ms). */
const FLUSH_EXCESS = 10;
const SHRINK_INTERVAL = 10;
const MIN_WINDOW = 8;
const MAX_UNDERFLOW_CONCEAL = 3; // 60 ms: PLC has faded out by then (G.711 App. I)
const HOLD_WORTH = 0.25;
const SHRINK_PERSIST = 50; // a one-frame excess is removed after it lasted 1 s

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const int32 = (v: number): number => v | 0;
const int16 = (v: number): number => (v << 16) >> 16;

export class JitterBuffer {
  readonly frameMs: number;
  private readonly tsPerFrame: number;
  private readonly minFrames: number;
  private readonly maxFrames: number;
  private readonly capacity: number;
  private readonly maxPayload: number;
  private readonly lateFraction: number;

  // Slot storage (ring indexed by absolute slot number).
  private readonly slotAbs: Float64Array;
  private readonly slotSeq: Int32Array;
  private readonly slotTs: Float64Array;
  private readonly slotLen: Int32Array;
  private readonly slotMarker: Uint8Array;
  /** Absolute slot last played from each ring position, to tell a late packet from a replay. */
  private readonly playedAbs: Float64Array;
  private readonly data: Uint8Array;
  private readonly views: (Uint8Array | undefined)[];
  private readonly frameResult: Mutable<Extract<JitterGetResult, { kind: 'frame' }>>;
  private readonly lostResult: Mutable<Extract<JitterGetResult, { kind: 'lost' }>> = { kind: 'lost', next: undefined };

  // Timeline.
  private hasRef = false;
  private refTs = 0;
  private refSlot = 0;
  private highSeq = 0;
  private highSlot = 0;
  private ssrc: number | undefined;
  private playSlot = 0;
  private gets = 0;
  private lastPlayedSeq: number | undefined;
  private lostSinceFrame = 0;
  private inTalkspurt = false;
  private underflowRun = 0;
  /** Running share of underflow holds whose frame then arrived (EWMA, starts undecided). */
  private holdUseful = 0.5;
  private heldSlot: number | undefined;
  private lateRun = 0;
  private lastShrink = 0;
  private excessSince = 0;
  private target: number;
  private readonly window: OffsetWindow;
  private readonly jitter: InterarrivalJitter;
  private tsUnwrapped = 0;

  private readonly counters = {
    received: 0,
    lost: 0,
    concealed: 0,
    late: 0,
    duplicates: 0,
    reordered: 0,
    discarded: 0,
    dropped: 0,
    stretched: 0,
    empty: 0,
    resyncs: 0,
  };

  constructor(options: JitterBufferOptions) {
    this.frameMs = options.frameMs ?? 20;
    this.tsPerFrame = (options.clockRate * this.frameMs) / 1000;
    const frames = (ms: number) => Math.round(ms / this.frameMs);
    this.minFrames = frames(options.minDelayMs ?? 20);
    this.maxFrames = Math.max(this.minFrames, frames(options.maxDelayMs ?? 300));
    this.target = Math.min(this.maxFrames, Math.max(this.minFrames, frames(options.initialDelayMs ?? 60)));
    this.capacity = this.maxFrames + 64;
    this.maxPayload = options.maxPayloadBytes ?? 1500;
    this.lateFraction = options.lateFraction ?? 0.01;
    this.slotAbs = new Float64Array(this.capacity).fill(NaN);
    this.slotSeq = new Int32Array(this.capacity);
    this.slotTs = new Float64Array(this.capacity);
    this.slotLen = new Int32Array(this.capacity);
    this.slotMarker = new Uint8Array(this.capacity);
    this.playedAbs = new Float64Array(this.capacity).fill(NaN);
    this.data = new Uint8Array(this.capacity * this.maxPayload);
    this.views = new Array<Uint8Array | undefined>(this.capacity).fill(undefined);
    this.frameResult = { kind: 'frame', payload: this.data.subarray(0, 0), seq: 0, timestamp: 0, marker: false };
    this.window = new OffsetWindow(options.windowPackets ?? 150);
    this.jitter = new InterarrivalJitter(options.clockRate);
  }

  /** Stores one RTP payload (copied) that arrived at `arrivalMs` on the receiver's clock. */
  put(seq: number, timestamp: number, payload: Uint8Array, arrivalMs: number, flags: PutFlags = {}): JitterPutResult {
    if (payload.length > this.maxPayload) {
      this.counters.discarded++;
      return 'oversize';
    }
    let result: JitterPutResult = 'queued';
    const ssrcChanged = flags.ssrc !== undefined && this.ssrc !== undefined && flags.ssrc !== this.ssrc;
    if (flags.ssrc !== undefined) this.ssrc = flags.ssrc;
    if (!this.hasRef || ssrcChanged) {
      if (this.hasRef) result = 'resync';
      this.startTimeline(seq, timestamp);
    }
    let slot = this.refSlot + Math.round(int32(timestamp - this.refTs) / this.tsPerFrame);
    const seqDelta = int16(seq - this.highSeq);
    const ahead = slot - this.playSlot;
    const seqJumped = Math.abs(seqDelta) > SEQ_JUMP;
    if (ahead >= this.capacity || ahead < -this.capacity || seqJumped || (ahead < 0 && this.lateRun >= LATE_RUN_RESYNC)) {
      this.startTimeline(seq, timestamp);
      result = 'resync';
      slot = this.refSlot;
    }
    if (slot < this.playSlot) {
      if (this.playedAbs[this.index(slot)] === slot) {
        // A copy of a frame already played (network duplicate or retransmission): not late.
        this.counters.duplicates++;
        this.counters.discarded++;
        return 'duplicate';
      }
      this.counters.late++;
      this.counters.discarded++;
      this.lateRun++;
      this.window.add(slot - this.gets);
      return 'late';
    }
    this.lateRun = 0;
    const i = this.index(slot);
    if (this.slotAbs[i] === slot) {
      this.counters.duplicates++;
      this.counters.discarded++;
      return 'duplicate';
    }
    this.slotAbs[i] = slot;
    this.slotSeq[i] = seq & 0xffff;
    this.slotTs[i] = timestamp >>> 0;
    this.slotLen[i] = payload.length;
    this.slotMarker[i] = flags.marker ? 1 : 0;
    this.data.set(payload, i * this.maxPayload);
    this.counters.received++;
    this.window.add(slot - this.gets);
    if (slot > this.highSlot || result === 'resync') {
      this.tsUnwrapped += int32(timestamp - this.refTs);
      this.refTs = timestamp >>> 0;
      this.refSlot = slot;
      this.highSlot = slot;
      this.jitter.update(this.tsUnwrapped, arrivalMs);
    }
    if (seqDelta > 0 || result === 'resync') this.highSeq = seq & 0xffff;
    else if (seqDelta < 0) this.counters.reordered++;
    return result;
  }

  /** Called every `frameMs` by the receiver's media clock. */
  get(): JitterGetResult {
    try {
      if (!this.hasRef) {
        this.counters.empty++;
        return EMPTY;
      }
      return this.playNext();
    } finally {
      this.gets++;
    }
  }

  /** Forgets everything (new stream). Counters are kept. */
  reset(): void {
    this.hasRef = false;
    this.ssrc = undefined;
    this.slotAbs.fill(NaN);
    this.playedAbs.fill(NaN);
    this.window.clear();
    this.jitter.reset();
  }

  get stats(): JitterStats {
    const pending = this.hasRef ? Math.max(0, this.highSlot + 1 - this.playSlot) : 0;
    return {
      ...this.counters,
      delayMs: pending * this.frameMs,
      targetMs: this.target * this.frameMs,
      jitterMs: this.jitter.valueMs,
    };
  }

  private playNext(): JitterGetResult {
    if (this.adapt() === 'stretch') {
      this.counters.stretched++;
      if (!this.inTalkspurt) {
        this.counters.empty++;
        return EMPTY;
      }
      this.counters.concealed++;
      return this.lost(undefined);
    }
    const slot = this.playSlot;
    const i = this.index(slot);
    if (this.heldSlot !== undefined && this.heldSlot === slot) {
      // Learn whether holding on underflow helps: did the held frame arrive?
      const arrived = this.slotAbs[i] === slot ? 1 : 0;
      this.holdUseful += (arrived - this.holdUseful) * 0.1;
      this.heldSlot = undefined;
    }
    if (this.slotAbs[i] === slot) return this.playFrame(i);

    const next = this.nextPresent(slot);
    if (next !== undefined) {
      const j = this.index(next);
      const seqGap = this.lastPlayedSeq === undefined ? 1 : int16(this.slotSeq[j]! - this.lastPlayedSeq);
      this.playSlot++;
      if (seqGap - 1 > this.lostSinceFrame) {
        this.lostSinceFrame++;
        this.counters.lost++;
        this.counters.concealed++;
        return this.lost(next === slot + 1 ? this.payloadAt(j) : undefined);
      }
      this.inTalkspurt = false;
      this.counters.empty++;
      return EMPTY;
    }
    // Underflow: nothing buffered. In a talkspurt the frame may be just late (drift, a jitter
    // outlier) or lost. Hold the play point for one tick while holding has been paying off
    // (the frame turned up), otherwise conceal and move on as for a loss; after a few ticks
    // accept that the stream went quiet (DTX without a sequence gap, hold, end of call).
    if (this.inTalkspurt && this.underflowRun < MAX_UNDERFLOW_CONCEAL) {
      if (this.underflowRun === 0 && this.holdUseful >= HOLD_WORTH) {
        this.counters.stretched++;
        this.heldSlot = slot;
      } else {
        this.playSlot++;
      }
      this.underflowRun++;
      this.counters.concealed++;
      return this.lost(undefined);
    }
    this.inTalkspurt = false;
    this.playSlot++;
    this.counters.empty++;
    return EMPTY;
  }

  private playFrame(i: number): JitterGetResult {
    const seq = this.slotSeq[i]!;
    this.playedAbs[i] = this.slotAbs[i]!;
    this.slotAbs[i] = NaN;
    this.playSlot++;
    this.lastPlayedSeq = seq;
    this.lostSinceFrame = 0;
    this.inTalkspurt = true;
    this.underflowRun = 0;
    const r = this.frameResult;
    r.payload = this.payloadAt(i);
    r.seq = seq;
    r.timestamp = this.slotTs[i]!;
    r.marker = this.slotMarker[i] === 1;
    return r;
  }

  private lost(next: Uint8Array | undefined): JitterGetResult {
    this.lostResult.next = next;
    return this.lostResult;
  }

  /**
   * Moves the play point toward the offset the window asks for: one tick at a time, growing at
   * once (late packets hurt), shrinking in silence or at most once per SHRINK_INTERVAL ticks.
   */
  private adapt(): 'stretch' | 'none' {
    if (this.window.size < MIN_WINDOW) return 'none';
    const eHi = this.window.quantile(1);
    const eLo = this.window.quantile(this.lateFraction);
    const want = Math.min(eHi - this.minFrames, Math.max(eHi - this.maxFrames, eLo));
    this.target = eHi - want;
    const offset = this.playSlot - this.gets;
    const slot = this.playSlot;
    const here = this.slotAbs[this.index(slot)] === slot;
    if (offset > want) {
      // Grow: hold the play point for this tick (underflow handling holds anyway).
      return !here && this.nextPresent(slot) === undefined ? 'none' : 'stretch';
    }
    const excess = want - offset;
    if (excess >= 1 && !here && this.inSilenceGap(slot)) {
      this.playSlot++;
      return 'none';
    }
    if (excess >= FLUSH_EXCESS && here) {
      // A backlog far beyond what the network needs (a sender bursting out queued audio at the
      // start of a call or after a stall) is cut in one step, down to the wanted delay: one
      // discontinuity instead of a 20 ms jump every few hundred ms for seconds, which warps
      // speech in time (WebRTC's NetEq flushes an overfull buffer likewise).
      for (let k = 0; k < excess; k++) {
        const i = this.index(this.playSlot);
        if (this.slotAbs[i] === this.playSlot) {
          this.lastPlayedSeq = this.slotSeq[i]!;
          this.slotAbs[i] = NaN;
          this.counters.dropped++;
          this.counters.discarded++;
        }
        this.playSlot++;
      }
      this.lastShrink = this.gets;
      this.excessSince = this.gets;
      return 'none';
    }
    if (excess < 1) this.excessSince = this.gets;
    const persistent = this.gets - this.excessSince >= SHRINK_PERSIST;
    if ((excess >= 2 || persistent) && this.gets - this.lastShrink >= SHRINK_INTERVAL && here) {
      this.slotAbs[this.index(slot)] = NaN;
      this.lastPlayedSeq = this.slotSeq[this.index(slot)]!;
      this.playSlot++;
      this.lastShrink = this.gets;
      this.excessSince = this.gets;
      this.counters.dropped++;
      this.counters.discarded++;
    }
    return 'none';
  }

  /** The slot is missing and the next packet continues the sequence numbers (DTX, no loss). */
  private inSilenceGap(slot: number): boolean {
    const next = this.nextPresent(slot);
    if (next === undefined) return !this.inTalkspurt;
    if (this.lastPlayedSeq === undefined) return true;
    return int16(this.slotSeq[this.index(next)]! - this.lastPlayedSeq) - 1 <= this.lostSinceFrame;
  }

  private nextPresent(from: number): number | undefined {
    for (let s = from + 1; s <= this.highSlot; s++) if (this.slotAbs[this.index(s)] === s) return s;
    return undefined;
  }

  private startTimeline(seq: number, timestamp: number): void {
    if (this.hasRef) this.counters.resyncs++;
    this.slotAbs.fill(NaN);
    this.playedAbs.fill(NaN);
    this.window.clear();
    this.jitter.reset();
    this.hasRef = true;
    this.refTs = timestamp >>> 0;
    this.refSlot = 0;
    this.highSlot = 0;
    this.highSeq = seq & 0xffff;
    // Play the first packet `target` ticks from now.
    this.playSlot = -this.target;
    this.gets = 0;
    this.lastShrink = 0;
    this.excessSince = 0;
    this.lastPlayedSeq = undefined;
    this.lostSinceFrame = 0;
    this.inTalkspurt = false;
    this.underflowRun = 0;
    this.heldSlot = undefined;
    this.lateRun = 0;
  }

  /** A view of slot i's payload, re-made only when the slot's payload length changes. */
  private payloadAt(i: number): Uint8Array {
    const len = this.slotLen[i]!;
    let view = this.views[i];
    if (view?.length !== len) {
      const off = i * this.maxPayload;
      view = this.data.subarray(off, off + len);
      this.views[i] = view;
    }
    return view;
  }

  private index(slot: number): number {
    const m = slot % this.capacity;
    return m < 0 ? m + this.capacity : m;
  }
}

const EMPTY: JitterGetResult = { kind: 'empty' };
