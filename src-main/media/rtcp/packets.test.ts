import { describe, expect, it } from 'vitest';
import { parseRtcp, rtcpSize, writeRtcp, type RtcpPacket } from './packets';
import { ReceptionStatistics, roundTripMs, rtcpIntervalMs, toNtp, ntpMiddle32 } from './reports';

describe('RTCP packets (RFC 3550 §6.4-6.6)', () => {
  const compound: RtcpPacket[] = [
    {
      type: 'sr',
      ssrc: 0x01020304,
      ntpSeconds: 0xe0000001,
      ntpFraction: 0x80000000,
      rtpTimestamp: 123456,
      packetCount: 250,
      octetCount: 40000,
      reports: [{ ssrc: 0xaabbccdd, fractionLost: 25, cumulativeLost: -3, highestSeq: 70000, jitter: 12, lsr: 0x12345678, dlsr: 65536 }],
    },
    { type: 'sdes', chunks: [{ ssrc: 0x01020304, items: [{ type: 1, text: 'alice@example.com' }, { type: 6, text: 'Parley' }] }] },
    { type: 'bye', ssrcs: [0x01020304], reason: 'call ended' },
  ];

  it('round-trips SR with a report block (negative cumulative loss), SDES and BYE as one compound packet', () => {
    const buf = Buffer.alloc(rtcpSize(compound));
    const n = writeRtcp(buf, compound);
    expect(n % 4).toBe(0);
    const r = parseRtcp(buf, n);
    expect(r).toEqual({ ok: true, packets: compound });
  });

  it('round-trips an RR with no blocks, and an SDES CNAME whose length lands on a word boundary', () => {
    const packets: RtcpPacket[] = [
      { type: 'rr', ssrc: 7, reports: [] },
      { type: 'sdes', chunks: [{ ssrc: 7, items: [{ type: 1, text: 'ab' }] }] },
    ];
    const buf = Buffer.alloc(rtcpSize(packets));
    const n = writeRtcp(buf, packets);
    // RR 8 bytes; SDES: 4 header + 4 SSRC + 2 item header + 2 text = 12, then a whole null word = 16.
    expect(n).toBe(8 + 16);
    expect(parseRtcp(buf, n)).toEqual({ ok: true, packets });
  });

  it('keeps unknown packet types (APP, feedback) as raw bodies', () => {
    const b = Buffer.from('80c9000100000001' + '81cd0002' + '0000000100000002', 'hex');
    const r = parseRtcp(b, b.length);
    expect(r.ok && r.packets[1]).toMatchObject({ type: 'other', packetType: 205, count: 1 });
  });

  it.each([
    ['a compound that starts with SDES', '81ca0001 00000001'],
    ['a length field past the datagram', '80c90005 00000001'],
    ['version 1', '40c90001 00000001'],
    ['an RR whose count needs more bytes', '81c90001 00000001'],
    ['padding on a packet that is not last', 'a0c90001 00000001 80c90001 00000001'],
    ['an SDES item running past the end', '80c90001 00000001 81ca0002 00000001 010a6162'],
  ])('rejects %s with an error value', (_what, h) => {
    const b = Buffer.from(h.replace(/ /g, ''), 'hex');
    expect(parseRtcp(b, b.length).ok).toBe(false);
  });
});

describe('RTCP timing and statistics', () => {
  it('computes RTT = A - LSR - DLSR (§6.4.1) in milliseconds', () => {
    const sentAt = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
    const lsr = ntpMiddle32(toNtp(sentAt));
    // The peer held our SR for 1.5 s, and the whole trip took 1.62 s: RTT 120 ms.
    const rtt = roundTripMs(sentAt + 1620, lsr, 1.5 * 65536);
    expect(rtt).toBeCloseTo(120, 0);
    expect(roundTripMs(sentAt, 0, 0)).toBeUndefined();
  });

  it('estimates interarrival jitter per A.8: 0 for a steady stream, about the mean deviation for alternating delays', () => {
    const steady = new ReceptionStatistics(8000);
    for (let i = 0; i < 200; i++) steady.onPacket(i, i * 160, 1000 + i * 20);
    expect(steady.jitter).toBe(0);
    const bumpy = new ReceptionStatistics(8000);
    for (let i = 0; i < 2000; i++) bumpy.onPacket(i, i * 160, 1000 + i * 20 + (i % 2) * 10);
    // |D| = 10 ms = 80 units every packet, so J converges to 80.
    expect(bumpy.jitter).toBe(79);
    expect(bumpy.jitterMs).toBeCloseTo(10, 0);
  });

  it('gives a §6.3 interval with the 5 s minimum, halved at start, randomized and compensated', () => {
    const base = { members: 2, senders: 2, rtcpBandwidth: 500, weSent: true, avgRtcpSize: 100 };
    const mid = rtcpIntervalMs({ ...base, initial: false, random: () => 0.5 });
    expect(mid).toBeCloseTo(5000 / (Math.E - 1.5), 3);
    expect(rtcpIntervalMs({ ...base, initial: true, random: () => 0.5 })).toBeCloseTo(2500 / (Math.E - 1.5), 3);
    expect(rtcpIntervalMs({ ...base, initial: false, random: () => 0 })).toBeCloseTo(mid / 2, 3);
    // A big session with little bandwidth goes above the minimum.
    expect(rtcpIntervalMs({ ...base, members: 500, senders: 10, weSent: false, initial: false, random: () => 0.5 })).toBeGreaterThan(50_000);
  });
});
