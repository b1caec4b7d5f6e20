/**
 * RTP fixed header (RFC 3550 §5.1), read and written in place on caller-owned buffers:
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *  |                           timestamp                           |
 *  |           synchronization source (SSRC) identifier            |
 *  |            contributing source (CSRC) identifiers  ...        |
 *  |  defined by profile           |           length              |  (X = 1)
 *  |                        header extension ...                   |
 *
 * `parseRtp` fills a reusable `RtpPacket` view and returns a failure value for bad input,
 * so the receive path neither throws nor allocates.
 */
export const RTP_VERSION = 2;
export const RTP_FIXED_HEADER = 12;
/** RFC 8285 §4.2 and §4.3 extension profiles. */
export const EXT_ONE_BYTE_PROFILE = 0xbede;
export const isTwoByteExtensionProfile = (profile: number): boolean => (profile & 0xfff0) === 0x1000;

export type RtpParseFailure = 'too-short' | 'bad-version' | 'bad-csrc' | 'bad-extension' | 'bad-padding';

/** A parsed view of one RTP packet: offsets point into the buffer that was parsed. */
export class RtpPacket {
  hasPadding = false;
  hasExtension = false;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  csrcCount = 0;
  /** Bytes before the payload: 12 + 4·CC (+ 4 + extension). */
  headerLength = 0;
  payloadOffset = 0;
  payloadLength = 0;
  paddingLength = 0;
  /** Extension profile (0xBEDE, 0x100x, or other) and the extension data's offset and byte length. */
  extensionProfile = 0;
  extensionOffset = 0;
  extensionLength = 0;

  /** The i-th CSRC of the packet held in `buf`. */
  csrc(buf: Uint8Array, i: number): number {
    const o = RTP_FIXED_HEADER + 4 * i;
    return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
  }
}

/** Parses `buf[0..length)` into `into`. Returns null on success or why the packet is invalid. */
export function parseRtp(buf: Uint8Array, length: number, into: RtpPacket): RtpParseFailure | null {
  if (length < RTP_FIXED_HEADER) return 'too-short';
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return 'bad-version';
  const b1 = buf[1]!;
  into.hasPadding = (b0 & 0x20) !== 0;
  into.hasExtension = (b0 & 0x10) !== 0;
  into.csrcCount = b0 & 0x0f;
  into.marker = (b1 & 0x80) !== 0;
  into.payloadType = b1 & 0x7f;
  into.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  into.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  into.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  let offset = RTP_FIXED_HEADER + 4 * into.csrcCount;
  if (offset > length) return 'bad-csrc';
  into.extensionProfile = 0;
  into.extensionOffset = 0;
  into.extensionLength = 0;
  if (into.hasExtension) {
    if (offset + 4 > length) return 'bad-extension';
    into.extensionProfile = (buf[offset]! << 8) | buf[offset + 1]!;
    const words = (buf[offset + 2]! << 8) | buf[offset + 3]!;
    into.extensionOffset = offset + 4;
    into.extensionLength = 4 * words;
    offset += 4 + 4 * words;
    if (offset > length) return 'bad-extension';
  }
  into.headerLength = offset;
  into.payloadOffset = offset;
  into.paddingLength = 0;
  if (into.hasPadding) {
    // §5.1: the last octet of the padding counts the padding octets, itself included.
    const pad = buf[length - 1]!;
    if (pad === 0 || offset + pad > length) return 'bad-padding';
    into.paddingLength = pad;
  }
  into.payloadLength = length - offset - into.paddingLength;
  return null;
}

/** The fields a sender sets; CSRCs, extension and padding are optional. */
export interface RtpHeaderInit {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs?: readonly number[];
  /** Profile-defined extension; `data.length` must be a multiple of 4 (RFC 3550 §5.3.1). */
  extension?: { readonly profile: number; readonly data: Uint8Array };
}

/**
 * Writes the RTP header at `buf[0..)` and returns its length; the payload goes right after.
 * With `paddingBytes` > 0, call `writeRtpPadding` once the payload is in place.
 */
export function writeRtpHeader(buf: Uint8Array, h: RtpHeaderInit, paddingBytes = 0): number {
  const cc = h.csrcs?.length ?? 0;
  if (cc > 15) throw new RangeError('at most 15 CSRCs');
  buf[0] = (RTP_VERSION << 6) | (paddingBytes > 0 ? 0x20 : 0) | (h.extension ? 0x10 : 0) | cc;
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf[2] = (h.sequenceNumber >>> 8) & 0xff;
  buf[3] = h.sequenceNumber & 0xff;
  write32(buf, 4, h.timestamp);
  write32(buf, 8, h.ssrc);
  let o = RTP_FIXED_HEADER;
  for (let i = 0; i < cc; i++, o += 4) write32(buf, o, h.csrcs![i]!);
  if (h.extension) {
    const { profile, data } = h.extension;
    if (data.length % 4 !== 0) throw new RangeError('extension data must be a multiple of 4 bytes');
    buf[o] = profile >>> 8;
    buf[o + 1] = profile & 0xff;
    buf[o + 2] = (data.length / 4) >>> 8;
    buf[o + 3] = (data.length / 4) & 0xff;
    buf.set(data, o + 4);
    o += 4 + data.length;
  }
  return o;
}

/** Appends `count` padding octets at `end` (the last one holds the count); returns the new end. */
export function writeRtpPadding(buf: Uint8Array, end: number, count: number): number {
  if (count < 1 || count > 255) throw new RangeError('padding is 1..255 octets');
  buf.fill(0, end, end + count - 1);
  buf[end + count - 1] = count;
  return end + count;
}

/**
 * Walks RFC 8285 header extension elements (one-byte 0xBEDE or two-byte 0x100x form), calling
 * `fn(id, offset, length)` for each. Padding bytes are skipped and id 15 in the one-byte form
 * stops the walk (§4.2). Returns false when the block is malformed; unknown profiles are
 * skipped as a whole (returns true, no calls).
 */
export function forEachHeaderExtension(
  buf: Uint8Array,
  pkt: RtpPacket,
  fn: (id: number, offset: number, length: number) => void,
): boolean {
  if (!pkt.hasExtension) return true;
  const end = pkt.extensionOffset + pkt.extensionLength;
  let o = pkt.extensionOffset;
  if (pkt.extensionProfile === EXT_ONE_BYTE_PROFILE) {
    while (o < end) {
      const b = buf[o]!;
      if (b === 0) {
        o++;
        continue;
      }
      const id = b >> 4;
      if (id === 15) return true;
      const len = (b & 0x0f) + 1;
      if (o + 1 + len > end) return false;
      fn(id, o + 1, len);
      o += 1 + len;
    }
    return true;
  }
  if (isTwoByteExtensionProfile(pkt.extensionProfile)) {
    while (o < end) {
      const id = buf[o]!;
      if (id === 0) {
        o++;
        continue;
      }
      if (o + 2 > end) return false;
      const len = buf[o + 1]!;
      if (o + 2 + len > end) return false;
      fn(id, o + 2, len);
      o += 2 + len;
    }
  }
  return true;
}

/**
 * RFC 5761 §4: with rtcp-mux, a packet whose second octet (M bit + PT) is 192..223 — RTP
 * payload types 64..95 — is RTCP (SR 200, RR 201, SDES 202, BYE 203, APP 204, RTPFB/PSFB 205/206).
 */
export function isRtcpPacket(buf: Uint8Array, length: number): boolean {
  if (length < 2) return false;
  const pt = buf[1]! & 0x7f;
  return pt >= 64 && pt <= 95;
}

function write32(buf: Uint8Array, o: number, v: number): void {
  buf[o] = (v >>> 24) & 0xff;
  buf[o + 1] = (v >>> 16) & 0xff;
  buf[o + 2] = (v >>> 8) & 0xff;
  buf[o + 3] = v & 0xff;
}
