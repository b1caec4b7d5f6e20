import { describe, expect, it } from 'vitest';
import { forEachHeaderExtension, isRtcpPacket, parseRtp, RtpPacket, writeRtpHeader, writeRtpPadding } from './packet';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RTP packet (RFC 3550 §5.1)', () => {
  it('writes and parses marker, PT, sequence, timestamp, SSRC and CSRCs', () => {
    const buf = Buffer.alloc(200);
    const n = writeRtpHeader(buf, { marker: true, payloadType: 8, sequenceNumber: 0xfffe, timestamp: 0xfedcba98, ssrc: 0x89abcdef, csrcs: [1, 0xffffffff] });
    expect(n).toBe(20);
    buf.fill(0x55, n, n + 160);
    const p = new RtpPacket();
    expect(parseRtp(buf, n + 160, p)).toBeNull();
    expect(p).toMatchObject({ marker: true, payloadType: 8, sequenceNumber: 0xfffe, timestamp: 0xfedcba98, ssrc: 0x89abcdef, csrcCount: 2, payloadOffset: 20, payloadLength: 160 });
    expect(p.csrc(buf, 1)).toBe(0xffffffff);
  });

  it('strips padding counted by the last octet', () => {
    const buf = Buffer.alloc(64);
    const h = writeRtpHeader(buf, { marker: false, payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3 }, 4);
    buf.fill(9, h, h + 10);
    const end = writeRtpPadding(buf, h + 10, 4);
    const p = new RtpPacket();
    expect(parseRtp(buf, end, p)).toBeNull();
    expect(p.hasPadding).toBe(true);
    expect(p.payloadLength).toBe(10);
    expect(p.paddingLength).toBe(4);
  });

  it('walks one-byte (0xBEDE) extension elements and skips padding bytes', () => {
    // id 1 len 1 (0xaa 0xbb), pad, id 2 len 2 (3 bytes) => 8 bytes = 2 words
    const pkt = hex('90000001 00000002 00000003 bede0002 11aabb00 22010203 ff');
    const p = new RtpPacket();
    expect(parseRtp(pkt, pkt.length, p)).toBeNull();
    expect(p.headerLength).toBe(24);
    expect(p.payloadLength).toBe(1);
    const seen: [number, string][] = [];
    expect(forEachHeaderExtension(pkt, p, (id, o, l) => seen.push([id, pkt.subarray(o, o + l).toString('hex')]))).toBe(true);
    expect(seen).toEqual([[1, 'aabb'], [2, '010203']]);
  });

  it('walks two-byte (0x100x) extension elements', () => {
    const pkt = hex('90000001 00000002 00000003 10000002 05020102 00000000');
    const p = new RtpPacket();
    expect(parseRtp(pkt, pkt.length, p)).toBeNull();
    const seen: number[] = [];
    forEachHeaderExtension(pkt, p, (id, _o, l) => seen.push(id, l));
    expect(seen).toEqual([5, 2]);
  });

  it.each([
    ['too-short', '80000001 0000'],
    ['bad-version', '40000001 00000002 00000003'],
    ['bad-csrc', '83000001 00000002 00000003 00000004'],
    ['bad-extension', '90000001 00000002 00000003 bede0005 00000000'],
    ['bad-padding', 'a0000001 00000002 00000003 0000 0009'],
    ['bad-padding', 'a0000001 00000002 00000003 0000 0000'],
  ])('reports %s for malformed input without throwing', (why, h) => {
    const b = hex(h);
    expect(parseRtp(b, b.length, new RtpPacket())).toBe(why);
  });

  it('tells RTCP from RTP on a muxed port by PT 64..95 (RFC 5761 §4)', () => {
    expect(isRtcpPacket(hex('80c80006'), 4)).toBe(true); // SR 200
    expect(isRtcpPacket(hex('81ca0006'), 4)).toBe(true); // SDES 202
    expect(isRtcpPacket(hex('80000001'), 4)).toBe(false); // PCMU
    expect(isRtcpPacket(hex('80e50001'), 4)).toBe(false); // PT 101 with marker
    expect(isRtcpPacket(hex('80600001'), 4)).toBe(false); // PT 96
  });
});
