/**
 * The SRTP/SRTCP replay list (RFC 3711 §3.3.2): a sliding window of `size` packet indices
 * behind the highest authenticated index. Kept as a ring of bits indexed by `index mod size`,
 * so advancing never shifts memory. Check before authenticating; `accept` only after the
 * packet authenticated (§3.3: "update the replay list ... only after ... authentication").
 */
export type ReplayVerdict = 'new' | 'duplicate' | 'too-old';

export class ReplayWindow {
  private readonly bits: Uint32Array;
  private top = -1;

  /** `size` is a multiple of 32 and at least 64 (the RFC's minimum). */
  constructor(readonly size = 128) {
    if (size < 64 || size % 32 !== 0) throw new RangeError(`replay window size must be a multiple of 32, >= 64; got ${size}`);
    this.bits = new Uint32Array(size / 32);
  }

  /** The highest accepted index, or -1 before the first packet. */
  get highest(): number {
    return this.top;
  }

  check(index: number): ReplayVerdict {
    if (index > this.top) return 'new';
    if (this.top - index >= this.size) return 'too-old';
    return this.isSet(index) ? 'duplicate' : 'new';
  }

  accept(index: number): void {
    if (index > this.top) {
      const advance = this.top < 0 ? this.size : index - this.top;
      if (advance >= this.size) this.bits.fill(0);
      else for (let i = this.top + 1; i < index; i++) this.clear(i);
      this.top = index;
    }
    const pos = index % this.size;
    this.bits[pos >>> 5]! |= 1 << (pos & 31);
  }

  private isSet(index: number): boolean {
    const pos = index % this.size;
    return (this.bits[pos >>> 5]! & (1 << (pos & 31))) !== 0;
  }

  private clear(index: number): void {
    const pos = index % this.size;
    this.bits[pos >>> 5]! &= ~(1 << (pos & 31));
  }
}
