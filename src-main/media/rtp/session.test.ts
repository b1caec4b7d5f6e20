import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { SrtpSession } from '../srtp/srtp-session';
import type { RtcpPacket } from '../rtcp/packets';
import { parseRtp, RtpPacket } from './packet';
import { MemoryNetwork, type MemoryDatagram } from './memory-datagram';
import { RtpSession, type ReceivedRtp, type RtpSessionOptions } from './session';
import { UdpDatagram } from './udp-datagram';
import type { RemoteAddress } from './datagram';

interface Seen {
  seq: number;
  ts: number;
  marker: boolean;
  pt: number;
  ssrc: number;
  ext: number;
  payload: string;
}

function collector(): { seen: Seen[]; onRtp: (r: ReceivedRtp) => void } {
  const seen: Seen[] = [];
  return {
    seen,
    onRtp: (r) => {
      const p = r.packet;
      seen.push({ seq: p.sequenceNumber, ts: p.timestamp, marker: p.marker, pt: p.payloadType, ssrc: p.ssrc, ext: r.extendedSequence, payload: r.data.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength).toString('hex') });
    },
  };
}

function session(clock: FakeClock, socket: MemoryDatagram | UdpDatagram, remote: RemoteAddress, extra: Partial<RtpSessionOptions> = {}): RtpSession {
  return new RtpSession({ clock, socket, remote, rtcpMux: true, payloadType: 0, clockRate: 8000, rtcp: false, ...extra });
}

const frame = (n: number, len = 160): Buffer => Buffer.alloc(len, n & 0xff);

describe('RtpSession send side (RFC 3550 §5.1, RFC 3551)', () => {
  it('starts at the given sequence and timestamp, advances the timestamp 160 per 20 ms PCMU frame and marks only the first packet', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const a = net.open();
    const b = net.open();
    const bob = collector();
    const alice = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { initialSequence: 65534, initialTimestamp: 0xffffff00, ssrc: 0x11111111 });
    const rx = session(clock, b, { address: '127.0.0.1', port: a.localPort }, { delegate: { onRtp: bob.onRtp } });
    for (let i = 0; i < 4; i++) alice.sendFrame(frame(i));
    expect(bob.seen.map((s) => s.seq)).toEqual([65534, 65535, 0, 1]);
    expect(bob.seen.map((s) => s.ts)).toEqual([0xffffff00, 0xffffffa0, 0x40, 0xe0]);
    expect(bob.seen.map((s) => s.marker)).toEqual([true, false, false, false]);
    expect(bob.seen.map((s) => s.ext)).toEqual([65534, 65535, 65536, 65537]);
    expect(bob.seen[2]!.payload).toBe(frame(2).toString('hex'));
    alice.dispose();
    rx.dispose();
  });

  it('sets the marker again on the first packet after a silent gap and keeps the timestamp running through it', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const a = net.open();
    const b = net.open();
    const bob = collector();
    const alice = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { initialTimestamp: 1000 });
    session(clock, b, { address: '127.0.0.1', port: a.localPort }, { delegate: { onRtp: bob.onRtp } });
    alice.sendFrame(frame(1));
    alice.sendFrame(frame(2));
    alice.skipFrames(3);
    alice.sendFrame(frame(3));
    alice.sendFrame(frame(4));
    expect(bob.seen.map((s) => [s.ts - 1000, s.marker])).toEqual([[0, true], [160, false], [800, true], [960, false]]);
    expect(new Set(bob.seen.map((s) => s.seq - bob.seen[0]!.seq))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('uses the 8000 Hz RTP clock for G.722 and puts two 20 ms frames in each 40 ms packet', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const a = net.open();
    const b = net.open();
    const bob = collector();
    const alice = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { payloadType: 9, clockRate: 8000, ptimeMs: 40, initialTimestamp: 0 });
    session(clock, b, { address: '127.0.0.1', port: a.localPort }, { delegate: { onRtp: bob.onRtp } });
    for (let i = 0; i < 6; i++) alice.sendFrame(frame(i));
    expect(alice.samplesPerPacket).toBe(320);
    expect(bob.seen.map((s) => s.ts)).toEqual([0, 320, 640]);
    expect(bob.seen.map((s) => s.payload.length / 2)).toEqual([320, 320, 320]);
    expect(bob.seen[1]!.payload).toBe(frame(2).toString('hex') + frame(3).toString('hex'));
    expect(bob.seen.every((s) => s.pt === 9)).toBe(true);
  });

  it('picks a random SSRC, sequence and timestamp when none is given', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const s1 = session(clock, net.open(), { address: '127.0.0.1', port: 1 });
    const s2 = session(clock, net.open(), { address: '127.0.0.1', port: 1 });
    expect(s1.ssrc).not.toBe(s2.ssrc);
    expect(s1.nextTimestamp).not.toBe(s2.nextTimestamp);
  });
});

describe('RtpSession receive side', () => {
  it('locks onto the first SSRC, ignores a single foreign packet, and switches after two in a row', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const a = net.open();
    const b = net.open();
    const bob = collector();
    const changes: [number, number][] = [];
    const rx = session(clock, b, { address: '127.0.0.1', port: a.localPort }, { delegate: { onRtp: bob.onRtp, onSsrcChanged: (p, n) => changes.push([p, n]) } });
    const first = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { ssrc: 1 });
    first.sendFrame(frame(0));
    first.sendFrame(frame(1));
    first.dispose();
    const second = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { ssrc: 2, initialSequence: 500 });
    second.sendFrame(frame(2));
    expect(rx.counters.foreignSsrc).toBe(1);
    second.sendFrame(frame(3));
    second.sendFrame(frame(4));
    expect(changes).toEqual([[1, 2]]);
    expect(bob.seen.map((s) => s.ssrc)).toEqual([1, 1, 2, 2]);
    expect(rx.remoteSource).toBe(2);
  });

  it('counts malformed datagrams and keeps running', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const a = net.open();
    const b = net.open();
    const bob = collector();
    const rx = session(clock, b, { address: '127.0.0.1', port: a.localPort }, { delegate: { onRtp: bob.onRtp } });
    a.send(Buffer.from('garbage!'), 0, 8, b.localPort, '127.0.0.1');
    a.send(Buffer.alloc(3), 0, 3, b.localPort, '127.0.0.1');
    expect(rx.counters.malformed).toBe(2);
    session(clock, a, { address: '127.0.0.1', port: b.localPort }).sendFrame(frame(1));
    expect(bob.seen).toHaveLength(1);
  });

  it('demultiplexes RTCP from RTP on one port with rtcp-mux (RFC 5761 §4)', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const a = net.open();
    const b = net.open();
    const bob = collector();
    const rtcp: RtcpPacket[][] = [];
    const rx = session(clock, b, { address: '127.0.0.1', port: a.localPort }, { delegate: { onRtp: bob.onRtp, onRtcp: (p) => rtcp.push([...p]) }, rtcp: { fixedIntervalMs: 1000 } });
    const tx = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { rtcp: { fixedIntervalMs: 1000 }, cname: 'alice@parley' });
    for (let i = 0; i < 60; i++) {
      tx.sendFrame(frame(i));
      clock.advance(20);
    }
    expect(bob.seen).toHaveLength(60);
    expect(rtcp.length).toBe(1);
    expect(rtcp[0]![0]!.type).toBe('sr');
    expect(rtcp[0]![1]).toEqual({ type: 'sdes', chunks: [{ ssrc: tx.ssrc, items: [{ type: 1, text: 'alice@parley' }] }] });
    tx.dispose();
    rx.dispose();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('sends RTCP to port + 1 on a separate socket without rtcp-mux and reports BYE on dispose', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const a = net.open(50000);
    const aRtcp = net.open(50001);
    const b = net.open(52000);
    const bRtcp = net.open(52001);
    const byes: (string | undefined)[] = [];
    const rx = session(clock, b, { address: '127.0.0.1', port: 50000 }, { rtcpMux: false, rtcpSocket: bRtcp, rtcp: { fixedIntervalMs: 1000 }, delegate: { onRtp: () => {}, onBye: (_s, r) => byes.push(r) } });
    const tx = session(clock, a, { address: '127.0.0.1', port: 52000 }, { rtcpMux: false, rtcpSocket: aRtcp, rtcp: { fixedIntervalMs: 1000 } });
    tx.sendFrame(frame(1));
    tx.sendFrame(frame(2));
    clock.advance(1000);
    expect(rx.counters.rtcpReceived).toBe(1);
    tx.dispose({ reason: 'hangup' });
    expect(byes).toEqual(['hangup']);
    rx.dispose({ bye: false });
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('RTCP over RtpSession (RFC 3550 §6.4)', () => {
  it('alice and bob exchange SR/RR and measure an RTT of twice the 40 ms one-way delay', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork({ clock, delayMs: 40 });
    const a = net.open();
    const b = net.open();
    const rtcp = { random: () => 0.5 };
    const alice = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { rtcp });
    const bob = session(clock, b, { address: '127.0.0.1', port: a.localPort }, { rtcp, delegate: { onRtp: () => {} } });
    expect(alice.reception).toBeUndefined();
    for (let t = 0; t < 20_000; t += 20) {
      alice.sendFrame(frame(t));
      bob.sendFrame(frame(t));
      clock.advance(20);
    }
    expect(alice.remoteReception?.rttMs).toBeGreaterThan(79);
    expect(alice.remoteReception?.rttMs).toBeLessThan(81);
    expect(bob.remoteReception?.rttMs).toBeCloseTo(80, 0);
    expect(bob.remoteReception?.fractionLost).toBe(0);
    expect(bob.reception?.jitterMs).toBeCloseTo(0, 3);
    alice.dispose();
    bob.dispose();
    clock.advance(100);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports fraction and cumulative loss seen by bob back to alice', () => {
    const clock = new FakeClock();
    let n = 0;
    const net = new MemoryNetwork({ clock, delayMs: 10, drop: (d) => (d[1]! & 0x7f) === 0 && ++n % 10 === 0 });
    const a = net.open();
    const b = net.open();
    const alice = session(clock, a, { address: '127.0.0.1', port: b.localPort }, { rtcp: { fixedIntervalMs: 5000 } });
    const bob = session(clock, b, { address: '127.0.0.1', port: a.localPort }, { rtcp: { fixedIntervalMs: 5000 }, delegate: { onRtp: () => {} } });
    for (let t = 0; t < 5_020; t += 20) {
      alice.sendFrame(frame(t));
      clock.advance(20);
    }
    expect(bob.reception!.sequence.cumulativeLost).toBe(25);
    expect(alice.remoteReception?.cumulativeLost).toBe(24);
    expect(alice.remoteReception!.fractionLost / 256).toBeCloseTo(0.1, 1);
    alice.dispose({ bye: false });
    bob.dispose({ bye: false });
  });
});

function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (cond()) resolve();
      else if (Date.now() > end) reject(new Error('timed out'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('RTP + SRTP over real UDP on 127.0.0.1', () => {
  const open: UdpDatagram[] = [];
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });

  it('alice and bob exchange 100 SRTP packets each and alice latches to bob\'s new source port', async () => {
    const clock = new FakeClock();
    const [a, b, b2] = await Promise.all([UdpDatagram.open(), UdpDatagram.open(), UdpDatagram.open()]);
    open.push(a!, b!, b2!);
    const keyA = { key: Buffer.alloc(16, 1), salt: Buffer.alloc(14, 2) };
    const keyB = { key: Buffer.alloc(16, 3), salt: Buffer.alloc(14, 4) };
    const suite = 'AES_CM_128_HMAC_SHA1_80' as const;
    const atAlice = collector();
    const atBob = collector();
    const latched: RemoteAddress[] = [];
    // Alice's SDP says bob is on a port nobody uses: she must learn the real one from his packets.
    const alice = session(clock, a!, { address: '127.0.0.1', port: 9 }, {
      srtp: new SrtpSession({ suite, local: keyA, remote: keyB }),
      delegate: { onRtp: atAlice.onRtp, onRemoteLatched: (t) => latched.push(t) },
    });
    const bobSrtp = new SrtpSession({ suite, local: keyB, remote: keyA });
    const bob = session(clock, b!, { address: '127.0.0.1', port: a!.localPort }, { srtp: bobSrtp, delegate: { onRtp: atBob.onRtp } });

    for (let i = 0; i < 100; i++) bob.sendFrame(frame(i));
    await waitFor(() => atAlice.seen.length === 100);
    for (let i = 0; i < 100; i++) alice.sendFrame(frame(i + 1));
    await waitFor(() => atBob.seen.length === 100);
    expect(latched).toEqual([{ address: '127.0.0.1', port: b!.localPort }]);
    expect(atBob.seen.map((s) => s.payload)).toEqual(Array.from({ length: 100 }, (_, i) => frame(i + 1).toString('hex')));
    expect(atAlice.seen.map((s) => s.ext - atAlice.seen[0]!.ext)).toEqual(Array.from({ length: 100 }, (_, i) => i));

    // Bob's NAT binding changes: his packets now come from b2. Same SSRC, same keys, same sequence.
    bob.dispose({ bye: false });
    const bobMoved = new RtpSession({
      clock, socket: b2!, remote: { address: '127.0.0.1', port: a!.localPort }, rtcpMux: true, payloadType: 0, clockRate: 8000, rtcp: false,
      ssrc: bob.ssrc, initialSequence: (atAlice.seen.at(-1)!.seq + 1) & 0xffff, srtp: bobSrtp, delegate: { onRtp: atBob.onRtp },
    });
    for (let i = 0; i < 3; i++) bobMoved.sendFrame(frame(200 + i));
    await waitFor(() => atAlice.seen.length === 103);
    expect(alice.remoteTarget).toEqual({ address: '127.0.0.1', port: b2!.localPort });
    alice.sendFrame(frame(77));
    await waitFor(() => atBob.seen.length === 101);
    expect(atBob.seen.at(-1)!.payload).toBe(frame(77).toString('hex'));
    expect(alice.counters.srtpAuthFailures + bob.counters.srtpAuthFailures).toBe(0);
    alice.dispose({ bye: false });
    bobMoved.dispose({ bye: false });
  });

  it('drops a packet whose SRTP tag does not verify and never latches to its source', async () => {
    const clock = new FakeClock();
    const [a, evil] = await Promise.all([UdpDatagram.open(), UdpDatagram.open()]);
    open.push(a!, evil!);
    const k = { key: Buffer.alloc(16, 5), salt: Buffer.alloc(14, 6) };
    const latched: RemoteAddress[] = [];
    const alice = session(clock, a!, { address: '127.0.0.1', port: 9 }, {
      srtp: new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', local: k, remote: k }),
      delegate: { onRtp: () => {}, onRemoteLatched: (t) => latched.push(t) },
    });
    const forged = Buffer.alloc(12 + 160 + 10);
    forged[0] = 0x80;
    evil!.send(forged, 0, forged.length, a!.localPort, '127.0.0.1');
    await waitFor(() => alice.counters.srtpAuthFailures === 1);
    expect(latched).toEqual([]);
    expect(alice.remoteTarget.port).toBe(9);
    alice.dispose({ bye: false });
  });
});

it('writes packets that parse back with each frame payload', () => {
  const clock = new FakeClock();
  const net = new MemoryNetwork();
  const a = net.open();
  const b = net.open();
  const got: Buffer[] = [];
  b.onMessage((d) => got.push(d));
  const s = session(clock, a, { address: '127.0.0.1', port: b.localPort });
  for (let i = 0; i < 40; i++) s.sendFrame(frame(i));
  const p = new RtpPacket();
  expect(got.every((d, i) => parseRtp(d, d.length, p) === null && d[12] === i)).toBe(true);
});
