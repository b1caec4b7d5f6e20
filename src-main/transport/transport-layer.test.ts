import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { createRequest, createResponse, parseMessage, parseNameAddr, parseUri, parseVias, type SipRequest, type SipResponse } from '../sip';
import { FakeClock } from '../../test/support/fake-clock';
import { until } from '../../test/support/transport-inbox';
import { LoopNetwork } from './loop';
import { openTcpTransport } from './tcp';
import { SipTransportLayer, responseDestination } from './transport-layer';
import type { Flow } from './transport';
import { UdpTransport } from './udp';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Side {
  layer: SipTransportLayer;
  requests: Array<{ req: SipRequest; flow: Flow }>;
  responses: SipResponse[];
}

function side(): Side {
  const layer = new SipTransportLayer();
  const s: Side = { layer, requests: [], responses: [] };
  layer.setUser({ onRequest: (req, flow) => s.requests.push({ req, flow }), onResponse: (res) => s.responses.push(res) });
  cleanups.push(() => layer.dispose());
  return s;
}

async function udpSide(host = '127.0.0.1'): Promise<Side & { port: number }> {
  const s = side();
  const udp = await UdpTransport.open({ host, port: 0, onMessage: s.layer.receive });
  s.layer.addTransport(udp);
  return { ...s, port: udp.local.port };
}

function request(method = 'OPTIONS', extra: Array<[string, string]> = [], body?: string): SipRequest {
  return createRequest({
    method,
    uri: 'sip:bob@127.0.0.1',
    from: parseNameAddr('<sip:alice@127.0.0.1>;tag=a1'),
    to: parseNameAddr('<sip:bob@127.0.0.1>'),
    callId: 'call-1',
    cseq: 1,
    headers: extra,
    ...(body !== undefined ? { body, contentType: 'text/plain' } : {}),
  });
}

async function rawUdp(): Promise<{ socket: Socket; port: number; received: string[] }> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString('utf8')));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { socket, port: socket.address().port, received };
}

describe('SipTransportLayer: sending requests (RFC 3261 §18.1.1, RFC 3581 §3)', () => {
  it('writes the top Via with transport, sent-by, a branch and an empty rport', async () => {
    const alice = await udpSide();
    const req = request();
    const dest = alice.layer.prepareRequest(req, { protocol: 'udp', host: '127.0.0.1', port: 5060 });
    expect(dest.protocol).toBe('udp');
    expect(req.via.transport).toBe('UDP');
    expect(req.via.sentBy).toBe(`127.0.0.1:${alice.port}`);
    expect(req.via.branch).toMatch(/^z9hG4bK/);
    expect(req.via.params.get('rport')).toBeNull();
  });

  it('keeps a branch the transaction layer already chose', async () => {
    const alice = await udpSide();
    const req = request();
    req.prepend('Via', 'SIP/2.0/UDP placeholder;branch=z9hG4bKmine');
    alice.layer.prepareRequest(req, { protocol: 'udp', host: '127.0.0.1', port: 5060 });
    expect(req.vias).toHaveLength(1);
    expect(req.via.branch).toBe('z9hG4bKmine');
    expect(req.via.host).toBe('127.0.0.1');
  });

  it('moves a request over 1300 bytes from UDP to TCP and says so in the Via', async () => {
    const alice = await udpSide();
    const tcp = await openTcpTransport({ onMessage: alice.layer.receive, listen: { host: '127.0.0.1', port: 0 } });
    alice.layer.addTransport(tcp);
    const big = request('MESSAGE', [], 'x'.repeat(1400));
    const dest = alice.layer.prepareRequest(big, { protocol: 'udp', host: '127.0.0.1', port: 5060 });
    expect(dest.protocol).toBe('tcp');
    expect(big.via.transport).toBe('TCP');
    expect(big.via.port).toBe(tcp.local.port);
    const small = request('MESSAGE', [], 'x'.repeat(100));
    expect(alice.layer.prepareRequest(small, { protocol: 'udp', host: '127.0.0.1', port: 5060 }).protocol).toBe('udp');
  });

  it('keeps a large request on UDP when there is no TCP transport', async () => {
    const alice = await udpSide();
    const big = request('MESSAGE', [], 'x'.repeat(1400));
    expect(alice.layer.prepareRequest(big, { protocol: 'udp', host: '127.0.0.1', port: 5060 }).protocol).toBe('udp');
  });

  it('refuses to send a sips request over anything but TLS (RFC 3261 §26.2)', async () => {
    const alice = await udpSide();
    const req = request();
    req.uri = parseUri('sips:bob@127.0.0.1');
    expect(() => alice.layer.prepareRequest(req, { protocol: 'udp', host: '127.0.0.1', port: 5060 })).toThrow(
      expect.objectContaining({ code: 'transport.tls' }),
    );
  });

  it('throws transport.unreachable when no transport serves the protocol', async () => {
    const alice = await udpSide();
    expect(() => alice.layer.prepareRequest(request(), { protocol: 'tls', host: '127.0.0.1', port: 5061 })).toThrow(
      expect.objectContaining({ code: 'transport.unreachable' }),
    );
  });
});

describe('SipTransportLayer: receiving (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('stamps received and rport on a request, and the response goes back to them', async () => {
    const alice = await udpSide();
    const bob = await udpSide();
    const req = request();
    alice.layer.prepareRequest(req, { protocol: 'udp', host: '127.0.0.1', port: bob.port });
    // Pretend alice is behind a NAT: her Via names an address she cannot be reached at.
    const natted = req.via.clone();
    natted.host = '192.0.2.99';
    natted.port = 5999;
    req.replaceTopVia(natted);
    await alice.layer.send(req, { protocol: 'udp', host: '127.0.0.1', port: bob.port });
    await until(() => bob.requests.length === 1);
    const { req: got, flow } = bob.requests[0]!;
    expect(got.via.received).toBe('127.0.0.1');
    expect(got.via.rport).toBe(alice.port);
    await bob.layer.sendResponse(createResponse(got, 200), flow);
    // The Via's sent-by (192.0.2.99) is not alice's, so she drops it (§18.1.2) — but it arrived.
    await until(() => alice.layer.stats.foreignResponses === 1);
  });

  it('delivers a response whose top Via is ours', async () => {
    const alice = await udpSide();
    const bob = await udpSide();
    const req = request();
    const dest = alice.layer.prepareRequest(req, { protocol: 'udp', host: '127.0.0.1', port: bob.port });
    await alice.layer.send(req, dest);
    await until(() => bob.requests.length === 1);
    const { req: got, flow } = bob.requests[0]!;
    await bob.layer.sendResponse(createResponse(got, 202), flow);
    await until(() => alice.responses.length === 1);
    expect(alice.responses[0]!.status).toBe(202);
    expect(alice.responses[0]!.via.rport).toBe(alice.port);
  });

  it('answers a request over TCP on the connection it came in on', async () => {
    const alice = side();
    const bob = side();
    const bobTcp = await openTcpTransport({ onMessage: bob.layer.receive, listen: { host: '127.0.0.1', port: 0 } });
    bob.layer.addTransport(bobTcp);
    alice.layer.addTransport(await openTcpTransport({ onMessage: alice.layer.receive }));
    const req = request();
    const dest = alice.layer.prepareRequest(req, { protocol: 'tcp', host: '127.0.0.1', port: bobTcp.local.port });
    await alice.layer.send(req, dest);
    await until(() => bob.requests.length === 1);
    const { req: got, flow } = bob.requests[0]!;
    expect(flow.connectionId).toBeDefined();
    await bob.layer.sendResponse(createResponse(got, 200), flow);
    await until(() => alice.responses.length === 1);
  });
});

describe('responseDestination (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  const flow: Flow = { protocol: 'udp', host: '203.0.113.5', port: 40000 };
  const via = (v: string) => parseVias(v)[0]!;
  it('uses received and the filled rport', () => {
    expect(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5060;rport=40000;received=203.0.113.5'), flow)).toEqual({
      protocol: 'udp',
      host: '203.0.113.5',
      port: 40000,
    });
  });
  it('uses received with the sent-by port (or 5060) without rport', () => {
    expect(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5070;received=203.0.113.5'), flow).port).toBe(5070);
    expect(responseDestination(via('SIP/2.0/UDP 10.0.0.1;received=203.0.113.5'), flow)).toMatchObject({ host: '203.0.113.5', port: 5060 });
  });
  it('uses maddr with the sent-by port', () => {
    expect(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5080;maddr=239.1.1.1'), flow)).toMatchObject({ host: '239.1.1.1', port: 5080 });
  });
  it('uses sent-by (brackets stripped) when nothing else is there, 5061 for TLS', () => {
    expect(responseDestination(via('SIP/2.0/TLS [2001:db8::1]'), { ...flow, protocol: 'tls' })).toEqual({
      protocol: 'tls',
      host: '2001:db8::1',
      port: 5061,
    });
  });
});

describe('SipTransportLayer: malformed input', () => {
  const valid = (n: number) =>
    `OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${n}\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: c${n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;

  it('answers each request of a malformed flood with a 400 naming the fault and keeps serving', async () => {
    const bob = await udpSide();
    const raw = await rawUdp();
    const N = 200;
    // Paced in bursts of 20: loopback UDP itself drops datagrams when a burst overflows the
    // socket buffer, and this test is about the transport, not the kernel.
    for (let i = 0; i < N; i++) {
      const bad = valid(i).replace('Content-Length: 0', 'Max-Forwards: lots\r\nContent-Length: 0');
      raw.socket.send(bad, bob.port, '127.0.0.1');
      if (i % 20 === 19) await until(() => raw.received.length === i + 1);
    }
    raw.socket.send(valid(999), bob.port, '127.0.0.1');
    await until(() => bob.requests.length === 1);
    expect(bob.requests[0]!.req.callId).toBe('c999');
    const answers = raw.received.map((t) => parseMessage(t) as SipResponse);
    expect(answers.every((r) => r.status === 400)).toBe(true);
    expect(answers[0]!.reason).toMatch(/Max-Forwards/);
    expect(answers[0]!.toTag).toBeDefined();
    expect(new Set(answers.map((r) => r.callId)).size).toBe(N);
    expect(bob.layer.stats.parseErrors).toBe(N);
  });

  it('drops a malformed request that lacks a header needed to answer it', async () => {
    const bob = await udpSide();
    const raw = await rawUdp();
    const errors: boolean[] = [];
    bob.layer.on('parseError', (_e, _f, answered) => errors.push(answered));
    raw.socket.send(valid(1).replace(/Call-ID: c1\r\n/, '').replace('CSeq: 1 OPTIONS', 'CSeq: x'), bob.port, '127.0.0.1');
    raw.socket.send(valid(2), bob.port, '127.0.0.1');
    await until(() => bob.requests.length === 1);
    expect(errors).toEqual([false]);
    expect(raw.received).toHaveLength(0);
  });

  it('never answers a malformed response', async () => {
    const bob = await udpSide();
    const raw = await rawUdp();
    raw.socket.send('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\nCSeq: bad\r\n\r\n', bob.port, '127.0.0.1');
    raw.socket.send(valid(3), bob.port, '127.0.0.1');
    await until(() => bob.requests.length === 1);
    expect(bob.layer.stats.parseErrors).toBe(1);
    expect(raw.received).toHaveLength(0);
  });
});

describe('SipTransportLayer over the loop network', () => {
  it('carries a request and its response in virtual time', async () => {
    const clock = new FakeClock();
    const net = new LoopNetwork(clock);
    const alice = side();
    const bob = side();
    alice.layer.addTransport(net.createTransport({ host: 'alice.loop', port: 5060, onMessage: alice.layer.receive }));
    bob.layer.addTransport(net.createTransport({ host: 'bob.loop', port: 5060, onMessage: bob.layer.receive }));
    const req = request();
    const dest = alice.layer.prepareRequest(req, { protocol: 'udp', host: 'bob.loop', port: 5060 });
    await alice.layer.send(req, dest);
    expect(bob.requests).toHaveLength(0);
    clock.advance(0);
    expect(bob.requests).toHaveLength(1);
    await bob.layer.sendResponse(createResponse(bob.requests[0]!.req, 200), bob.requests[0]!.flow);
    clock.advance(0);
    expect(alice.responses.map((r) => r.status)).toEqual([200]);
    await alice.layer.dispose();
    await bob.layer.dispose();
    expect(net.openSockets()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
