/**
 * Extended sequence numbers and the loss arithmetic of RFC 3550 Appendix A.1 and A.3.
 * A source is valid after MIN_SEQUENTIAL packets in sequence (probation); a jump of more than
 * MAX_DROPOUT ahead or MAX_MISORDER behind is "bad" until the next packet confirms it, which
 * then restarts the sequence (the peer restarted without changing SSRC).
 */
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
export const MIN_SEQUENTIAL = 2;
const RTP_SEQ_MOD = 0x10000;

export type SequenceVerdict = 'valid' | 'probation' | 'bad' | 'restarted';

export class SequenceTracker {
  /** Highest sequence number seen. */
  maxSeq = 0;
  /** Count of sequence number wraps, times 2^16. */
  cycles = 0;
  baseSeq = 0;
  /** Last "bad" sequence number + 1. */
  private badSeq = RTP_SEQ_MOD + 1;
  probation = MIN_SEQUENTIAL;
  /** Packets received (valid ones). */
  received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** Extended sequence number of the last packet given to `update`, for a jitter buffer. */
  lastExtended = 0;
  private initialized = false;

  constructor(private readonly minSequential = MIN_SEQUENTIAL) {
    this.probation = minSequential;
  }

  /** Starts tracking at `seq` (A.1 init_seq). */
  init(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
    this.initialized = true;
  }

  /** A.1 update_seq: feeds one packet's sequence number. */
  update(seq: number): SequenceVerdict {
    if (!this.initialized) {
      this.init(seq);
      this.maxSeq = seq - 1;
      this.probation = this.minSequential;
    }
    const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
    if (this.probation > 0) {
      // Source is not valid until MIN_SEQUENTIAL packets with sequential numbers arrive.
      if (seq === (this.maxSeq + 1) % RTP_SEQ_MOD) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.init(seq);
          this.received++;
          this.lastExtended = this.cycles + seq;
          return 'valid';
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      this.lastExtended = this.cycles + seq;
      return 'probation';
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with permissible gap.
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
      this.lastExtended = this.cycles + seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // The sequence number made a very large jump.
      if (seq === this.badSeq) {
        // Two sequential packets: assume the other side restarted without telling us.
        this.init(seq);
        this.received++;
        this.lastExtended = this.cycles + seq;
        return 'restarted';
      }
      this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
      return 'bad';
    } else {
      // Duplicate or reordered packet: extend against the current cycle.
      this.lastExtended = this.extend(seq);
    }
    this.received++;
    return 'valid';
  }

  /** The extended sequence number closest to the current maximum for `seq`. */
  extend(seq: number): number {
    let ext = this.cycles + seq;
    const max = this.cycles + this.maxSeq;
    if (ext - max > RTP_SEQ_MOD / 2) ext -= RTP_SEQ_MOD;
    else if (max - ext > RTP_SEQ_MOD / 2) ext += RTP_SEQ_MOD;
    return ext;
  }

  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  /** A.3: expected = extended_max - base_seq + 1. */
  get expected(): number {
    return this.initialized && this.probation === 0 ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  /** A.3 cumulative lost, clamped to the 24-bit signed field of a report block. */
  get cumulativeLost(): number {
    const lost = this.expected - this.received;
    return Math.max(-0x800000, Math.min(0x7fffff, lost));
  }

  /**
   * A.3 fraction lost since the previous call, as the 8-bit fixed-point fraction of a report
   * block (0..255). Moves the interval forward, so call once per report.
   */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.floor((lostInterval << 8) / expectedInterval);
  }
}
