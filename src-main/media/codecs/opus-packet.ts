/**
 * Reading just enough of an Opus packet (RFC 6716) to know whether it carries in-band FEC for
 * the frame before it: the TOC byte (§3.1) and the SILK header flags (§4.2.3), which are the
 * first symbols of the range-coded first frame (§4.1). libopus decodes FEC only from the LBRR
 * frames of SILK-only and hybrid packets; for anything else `opus_decode(..., decode_fec=1)`
 * silently runs the PLC instead, which the caller can do itself and count honestly.
 */

/** Coding mode by TOC config (RFC 6716 §3.1, Table 2). */
export type OpusMode = 'silk' | 'hybrid' | 'celt';

export function opusMode(toc: number): OpusMode {
  const config = toc >> 3;
  return config < 12 ? 'silk' : config < 16 ? 'hybrid' : 'celt';
}

/** Duration of each frame of the packet in 48 kHz samples (RFC 6716 §3.1, Table 2). */
export function opusFrameSamples(toc: number): number {
  const config = toc >> 3;
  if (config < 12) return [480, 960, 1920, 2880][config & 3]!;
  if (config < 16) return config & 1 ? 960 : 480;
  return [120, 240, 480, 960][config & 3]!;
}

/**
 * Where the first frame of `packet` starts and how long it is (RFC 6716 §3.2, frame packing
 * codes 0..3), or undefined when the packet breaks the framing rules R1..R7 of §3.4 that
 * concern lengths: no TOC, a frame over 1275 bytes, odd CBR split, lengths or padding past
 * the end, 0 frames, more than 120 ms.
 */
export function opusFirstFrame(packet: Uint8Array): { readonly start: number; readonly length: number } | undefined {
  const n = packet.length;
  if (n < 1) return undefined;
  const toc = packet[0]!;
  const code = toc & 3;
  if (code === 0) return n - 1 <= MAX_FRAME ? { start: 1, length: n - 1 } : undefined;
  if (code === 1) return (n - 1) % 2 === 0 && (n - 1) / 2 <= MAX_FRAME ? { start: 1, length: (n - 1) / 2 } : undefined;
  if (code === 2) {
    const len = frameLength(packet, 1);
    if (!len) return undefined;
    const start = 1 + len.bytes;
    return len.value <= n - start && n - start - len.value <= MAX_FRAME ? { start, length: len.value } : undefined;
  }
  // Code 3 (§3.2.5): frame count byte, optional padding length, then (VBR) M-1 lengths.
  if (n < 2) return undefined;
  const vbr = (packet[1]! & 0x80) !== 0;
  const count = packet[1]! & 0x3f;
  if (count === 0 || count * opusFrameSamples(toc) > 5760) return undefined;
  let pos = 2;
  let padding = 0;
  if (packet[1]! & 0x40) {
    for (;;) {
      if (pos >= n) return undefined;
      const b = packet[pos++]!;
      padding += b === 255 ? 254 : b;
      if (b !== 255) break;
    }
  }
  let first: number;
  if (vbr) {
    let sum = 0;
    first = -1;
    for (let i = 0; i < count - 1; i++) {
      const len = frameLength(packet, pos);
      if (!len) return undefined;
      pos += len.bytes;
      sum += len.value;
      if (first < 0) first = len.value;
    }
    const last = n - pos - padding - sum;
    if (last < 0 || last > MAX_FRAME) return undefined;
    if (first < 0) first = last;
  } else {
    const total = n - pos - padding;
    if (total < 0 || total % count !== 0 || total / count > MAX_FRAME) return undefined;
    first = total / count;
  }
  return pos + first <= n - padding ? { start: pos, length: first } : undefined;
}

/**
 * Whether `packet` (well-framed, see `opusFirstFrame`) carries FEC usable for a lost frame of
 * `frameSamples` (48 kHz): a SILK or hybrid packet whose frames are no longer than the lost
 * frame, with the LBRR flag of its first frame set in some channel.
 */
export function opusHasFec(packet: Uint8Array, frameSamples: number): boolean {
  const toc = packet[0];
  const frame = opusFirstFrame(packet);
  if (toc === undefined || !frame || frame.length === 0) return false;
  if (opusMode(toc) === 'celt' || opusFrameSamples(toc) > frameSamples) return false;
  // §4.2.3: per SILK channel, one VAD flag per 20 ms SILK frame (one here: frames ≤ 20 ms),
  // then the LBRR flag; each a binary symbol of probability 1/2. Stereo packets have two.
  const dec = new RangeBits(packet.subarray(frame.start, frame.start + frame.length));
  const channels = toc & 4 ? 2 : 1;
  let lbrr = false;
  for (let ch = 0; ch < channels; ch++) {
    dec.bit();
    if (dec.bit()) lbrr = true;
  }
  return lbrr;
}

const MAX_FRAME = 1275;

/** A frame length of §3.2.1: one byte below 252, else two (b0 + 4·b1); 0..1275. */
function frameLength(packet: Uint8Array, at: number): { readonly value: number; readonly bytes: number } | undefined {
  const b0 = packet[at];
  if (b0 === undefined) return undefined;
  if (b0 < 252) return { value: b0, bytes: 1 };
  const b1 = packet[at + 1];
  return b1 === undefined ? undefined : { value: b0 + 4 * b1, bytes: 2 };
}

/** The range decoder of RFC 6716 §4.1 (libopus entdec.c), only as far as `ec_dec_bit_logp(1)`. */
class RangeBits {
  private rng = 128;
  private val: number;
  private rem: number;

  private pos = 0;

  constructor(private readonly buf: Uint8Array) {
    // §4.1.1: rng = 128, val = 127 - (b0 >> 1), then normalize.
    this.rem = this.byte();
    this.val = 127 - (this.rem >> 1);
    this.normalize();
  }

  /** §4.1.3.1 with logp = 1: the symbol 1 has probability 1/2. */
  bit(): boolean {
    const s = Math.floor(this.rng / 2);
    const one = this.val < s;
    if (one) this.rng = s;
    else {
      this.val -= s;
      this.rng -= s;
    }
    this.normalize();
    return one;
  }

  private byte(): number {
    // Bytes past the end read as zero (§4.1.2).
    return this.pos < this.buf.length ? this.buf[this.pos++]! : 0;
  }

  /** §4.1.2.1: keep rng above 2^23, shifting in one byte at a time (arithmetic, no 32-bit overflow). */
  private normalize(): void {
    while (this.rng <= 0x800000) {
      this.rng *= 256;
      const prev = this.rem;
      this.rem = this.byte();
      const sym = ((prev << 8) | this.rem) >> 1;
      this.val = (this.val * 256 + (255 & ~sym)) % 0x80000000;
    }
  }
}
