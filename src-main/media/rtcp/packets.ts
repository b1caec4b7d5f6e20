/**
 * RTCP packets (RFC 3550 §6.4–6.6): SR, RR, SDES, BYE, and compound packets. RTCP is sent
 * every few seconds, so these are plain objects; parsing returns a value, never throws.
 */
export const RTCP_PT = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204 } as const;
export const SDES_ITEM = { END: 0, CNAME: 1, NAME: 2, EMAIL: 3, PHONE: 4, LOC: 5, TOOL: 6, NOTE: 7, PRIV: 8 } as const;

/** One reception report block (§6.4.1). */
export interface ReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the last report, 8-bit fixed point (0..255). */
  readonly fractionLost: number;
  /** Cumulative packets lost (24-bit signed). */
  readonly cumulativeLost: number;
  readonly highestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR from this source, 0 if none. */
  readonly lsr: number;
  /** Delay since that SR, in 1/65536 s. */
  readonly dlsr: number;
}

export interface SenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly ReportBlock[];
}

export interface ReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly ReportBlock[];
}

export interface SdesChunk {
  readonly ssrc: number;
  readonly items: readonly { readonly type: number; readonly text: string }[];
}

export interface SourceDescription {
  readonly type: 'sdes';
  readonly chunks: readonly SdesChunk[];
}

export interface Goodbye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

/** Any other packet type (APP, feedback, XR): kept as raw bytes so a caller can log it. */
export interface OtherRtcp {
  readonly type: 'other';
  readonly packetType: number;
  readonly count: number;
  readonly body: Uint8Array;
}

export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | OtherRtcp;

export type RtcpParseResult =
  | { readonly ok: true; readonly packets: readonly RtcpPacket[] }
  | { readonly ok: false; readonly error: string };

/**
 * Parses a compound RTCP packet with the validity checks of RFC 3550 A.2: version 2, the
 * first packet an SR or RR without padding, only the last packet padded, and the lengths
 * adding up to the datagram. (RFC 5506 reduced-size RTCP is accepted: the first-packet rule is
 * relaxed when `reducedSize` is true.)
 */
export function parseRtcp(buf: Uint8Array, length: number, reducedSize = false): RtcpParseResult {
  const packets: RtcpPacket[] = [];
  let o = 0;
  if (length < 4) return fail('shorter than an RTCP header');
  const firstPt = buf[1]!;
  if (!reducedSize && ((buf[0]! & 0xe0) !== 0x80 || (firstPt !== RTCP_PT.SR && firstPt !== RTCP_PT.RR))) {
    return fail('compound packet must start with SR or RR, version 2, no padding');
  }
  while (o < length) {
    if (o + 4 > length) return fail('truncated header');
    const b0 = buf[o]!;
    if (b0 >> 6 !== 2) return fail(`bad version at ${o}`);
    const count = b0 & 0x1f;
    const pt = buf[o + 1]!;
    const words = (buf[o + 2]! << 8) | buf[o + 3]!;
    const end = o + 4 + 4 * words;
    if (end > length) return fail(`length field runs past the datagram at ${o}`);
    let bodyEnd = end;
    if (b0 & 0x20) {
      if (end !== length) return fail('padding on a packet that is not last');
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > 4 * words) return fail('bad padding count');
      bodyEnd = end - pad;
    }
    const p = parseOne(buf, o, bodyEnd, pt, count);
    if (typeof p === 'string') return fail(p);
    packets.push(p);
    o = end;
  }
  return { ok: true, packets };
}

function parseOne(buf: Uint8Array, start: number, end: number, pt: number, count: number): RtcpPacket | string {
  const body = start + 4;
  switch (pt) {
    case RTCP_PT.SR: {
      if (body + 24 + 24 * count > end) return 'SR too short for its report count';
      return {
        type: 'sr',
        ssrc: read32(buf, body),
        ntpSeconds: read32(buf, body + 4),
        ntpFraction: read32(buf, body + 8),
        rtpTimestamp: read32(buf, body + 12),
        packetCount: read32(buf, body + 16),
        octetCount: read32(buf, body + 20),
        reports: readBlocks(buf, body + 24, count),
      };
    }
    case RTCP_PT.RR: {
      if (body + 4 + 24 * count > end) return 'RR too short for its report count';
      return { type: 'rr', ssrc: read32(buf, body), reports: readBlocks(buf, body + 4, count) };
    }
    case RTCP_PT.SDES: {
      const chunks: SdesChunk[] = [];
      let o = body;
      for (let c = 0; c < count; c++) {
        if (o + 4 > end) return 'SDES chunk truncated';
        const ssrc = read32(buf, o);
        o += 4;
        const items: { type: number; text: string }[] = [];
        for (;;) {
          if (o >= end) return 'SDES item list not terminated';
          const type = buf[o]!;
          if (type === SDES_ITEM.END) {
            // Skip the null octet(s) up to the next 32-bit boundary.
            o = (o + 4 - ((o - start) % 4)) | 0;
            break;
          }
          if (o + 2 > end) return 'SDES item truncated';
          const len = buf[o + 1]!;
          if (o + 2 + len > end) return 'SDES item runs past the packet';
          items.push({ type, text: Buffer.from(buf.buffer, buf.byteOffset + o + 2, len).toString('utf8') });
          o += 2 + len;
        }
        chunks.push({ ssrc, items });
      }
      return { type: 'sdes', chunks };
    }
    case RTCP_PT.BYE: {
      if (body + 4 * count > end) return 'BYE too short for its source count';
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(read32(buf, body + 4 * i));
      const r = body + 4 * count;
      if (r < end) {
        const len = buf[r]!;
        if (r + 1 + len > end) return 'BYE reason runs past the packet';
        return { type: 'bye', ssrcs, reason: Buffer.from(buf.buffer, buf.byteOffset + r + 1, len).toString('utf8') };
      }
      return { type: 'bye', ssrcs };
    }
    default:
      return { type: 'other', packetType: pt, count, body: buf.slice(body, end) };
  }
}

function readBlocks(buf: Uint8Array, o: number, count: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++, o += 24) {
    let lost = (buf[o + 5]! << 16) | (buf[o + 6]! << 8) | buf[o + 7]!;
    if (lost & 0x800000) lost -= 0x1000000;
    out.push({
      ssrc: read32(buf, o),
      fractionLost: buf[o + 4]!,
      cumulativeLost: lost,
      highestSeq: read32(buf, o + 8),
      jitter: read32(buf, o + 12),
      lsr: read32(buf, o + 16),
      dlsr: read32(buf, o + 20),
    });
  }
  return out;
}

/** Serializes `packets` as one compound packet into `buf`; returns its length. */
export function writeRtcp(buf: Uint8Array, packets: readonly RtcpPacket[]): number {
  let o = 0;
  for (const p of packets) o = writeOne(buf, o, p);
  return o;
}

/** Upper bound of the bytes `writeRtcp` needs for `packets`. */
export function rtcpSize(packets: readonly RtcpPacket[]): number {
  let n = 0;
  for (const p of packets) {
    if (p.type === 'sr') n += 28 + 24 * p.reports.length;
    else if (p.type === 'rr') n += 8 + 24 * p.reports.length;
    else if (p.type === 'sdes') for (const c of p.chunks) n += 8 + 4 + c.items.reduce((s, i) => s + 2 + Buffer.byteLength(i.text), 0);
    else if (p.type === 'bye') n += 8 + 4 * p.ssrcs.length + (p.reason ? Buffer.byteLength(p.reason) + 4 : 0);
    else n += 4 + p.body.length;
  }
  return n + 4;
}

function writeOne(buf: Uint8Array, start: number, p: RtcpPacket): number {
  let o = start + 4;
  let count = 0;
  let pt: number;
  switch (p.type) {
    case 'sr':
      pt = RTCP_PT.SR;
      count = p.reports.length;
      for (const v of [p.ssrc, p.ntpSeconds, p.ntpFraction, p.rtpTimestamp, p.packetCount, p.octetCount]) o = write32(buf, o, v);
      for (const r of p.reports) o = writeBlock(buf, o, r);
      break;
    case 'rr':
      pt = RTCP_PT.RR;
      count = p.reports.length;
      o = write32(buf, o, p.ssrc);
      for (const r of p.reports) o = writeBlock(buf, o, r);
      break;
    case 'sdes':
      pt = RTCP_PT.SDES;
      count = p.chunks.length;
      for (const c of p.chunks) {
        const chunkStart = o;
        o = write32(buf, o, c.ssrc);
        for (const item of c.items) {
          const text = Buffer.from(item.text, 'utf8').subarray(0, 255);
          buf[o++] = item.type;
          buf[o++] = text.length;
          buf.set(text, o);
          o += text.length;
        }
        // One null octet ends the list, then pad the chunk to a 32-bit boundary (§6.5).
        do buf[o++] = 0;
        while ((o - chunkStart) % 4 !== 0);
      }
      break;
    case 'bye':
      pt = RTCP_PT.BYE;
      count = p.ssrcs.length;
      for (const s of p.ssrcs) o = write32(buf, o, s);
      if (p.reason) {
        const text = Buffer.from(p.reason, 'utf8').subarray(0, 255);
        buf[o++] = text.length;
        buf.set(text, o);
        o += text.length;
        while ((o - start) % 4 !== 0) buf[o++] = 0;
      }
      break;
    case 'other':
      pt = p.packetType;
      count = p.count;
      buf.set(p.body, o);
      o += p.body.length;
      break;
  }
  if (count > 31) throw new RangeError('RTCP count field is 5 bits');
  buf[start] = 0x80 | count;
  buf[start + 1] = pt;
  const words = (o - start) / 4 - 1;
  buf[start + 2] = words >>> 8;
  buf[start + 3] = words & 0xff;
  return o;
}

function writeBlock(buf: Uint8Array, o: number, r: ReportBlock): number {
  o = write32(buf, o, r.ssrc);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
  o = write32(buf, o, ((r.fractionLost & 0xff) << 24) | lost);
  o = write32(buf, o, r.highestSeq);
  o = write32(buf, o, r.jitter);
  o = write32(buf, o, r.lsr);
  return write32(buf, o, r.dlsr);
}

function read32(buf: Uint8Array, o: number): number {
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

function write32(buf: Uint8Array, o: number, v: number): number {
  buf[o] = (v >>> 24) & 0xff;
  buf[o + 1] = (v >>> 16) & 0xff;
  buf[o + 2] = (v >>> 8) & 0xff;
  buf[o + 3] = v & 0xff;
  return o + 4;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
