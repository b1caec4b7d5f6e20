import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { createResponse, parseMessage, parseUri, type SipResponse, type SipUri } from '../../src-main/sip';
import { makeSelfSignedCert, type TestCertificate } from '../support/tls-certs';
import { until } from '../support/transport-inbox';
import { recorder, requestTo } from '../support/transaction-fixture';
import { TransactionLayer } from '../../src-main/transaction/transaction-layer';
import { openSipTransport, type OpenSipTransportOptions, type OpenedSipTransport } from '../../src-main/transport/open-sip-transport';
import { SipResolver } from '../../src-main/transport/resolver';
import type { Destination, Flow } from '../../src-main/transport/transport';

/*
 * The real sockets with the real transaction layer on the system clock: OPTIONS over UDP,
 * TCP and TLS on 127.0.0.1 (and UDP on ::1), connection loss reported through the facade,
 * 513 for an oversize message on a stream, and RFC 3263 resolution restricted to the
 * transports that are open.
 */
let cert: TestCertificate;
beforeAll(() => {
  cert = makeSelfSignedCert();
});
afterAll(() => cert.cleanup());

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface RealPeer {
  opened: OpenedSipTransport;
  layer: TransactionLayer;
  closed: Flow[];
}

async function peer(options: OpenSipTransportOptions, answer?: number): Promise<RealPeer> {
  const opened = await openSipTransport(options);
  const layer = new TransactionLayer(opened.layer, {
    onRequest: (request, tx) => {
      if (answer !== undefined) tx.respond(createResponse(request, answer, undefined, { toTag: 'real' }));
    },
    onAck: () => {},
    onCancel: () => {},
  });
  const closed: Flow[] = [];
  opened.layer.on('connectionClosed', (flow) => closed.push(flow));
  cleanups.push(async () => {
    layer.dispose();
    await opened.layer.dispose();
  });
  return { opened, layer, closed };
}

const bobName = { name: 'bob', address: { host: '127.0.0.1' } };

async function options(alice: RealPeer, dest: Destination): Promise<SipResponse> {
  const user = recorder();
  alice.layer.sendRequest(requestTo(bobName, 'OPTIONS'), dest, user);
  await until(() => user.responses.length > 0 || user.errors.length > 0);
  if (user.errors[0]) throw user.errors[0];
  return user.responses[0]!;
}

describe('openSipTransport with the transaction layer on real sockets', () => {
  it('completes an OPTIONS transaction over UDP', async () => {
    const bob = await peer({ host: '127.0.0.1', udp: { port: 0 } }, 200);
    const alice = await peer({ host: '127.0.0.1', udp: { port: 0 } });
    const res = await options(alice, { protocol: 'udp', host: '127.0.0.1', port: bob.opened.udp!.local.port });
    expect(res.status).toBe(200);
    expect(res.via.rport).toBe(alice.opened.udp!.local.port);
  });

  it('completes an OPTIONS transaction over UDP on ::1', async () => {
    const bob = await peer({ host: '::1', udp: { port: 0 } }, 200);
    const alice = await peer({ host: '::1', udp: { port: 0 } });
    const res = await options(alice, { protocol: 'udp', host: '::1', port: bob.opened.udp!.local.port });
    expect(res.status).toBe(200);
    expect(res.via.host).toBe('[::1]');
    expect(res.via.received).toBe('::1');
  });

  it('completes an OPTIONS transaction over TCP and reports the connection when bob drops it', async () => {
    const bob = await peer({ host: '127.0.0.1', tcp: { listen: true } }, 200);
    const alice = await peer({ host: '127.0.0.1', tcp: {} });
    const port = bob.opened.tcp!.local.port;
    expect((await options(alice, { protocol: 'tcp', host: '127.0.0.1', port })).status).toBe(200);
    const [flow] = bob.opened.tcp!.connections();
    bob.opened.tcp!.closeConnection(flow!.connectionId!);
    await until(() => alice.closed.length === 1);
    expect(alice.closed[0]).toMatchObject({ protocol: 'tcp', host: '127.0.0.1', port });
    expect((await options(alice, { protocol: 'tcp', host: '127.0.0.1', port })).status).toBe(200);
  });

  it('completes an OPTIONS transaction over TLS with the test CA', async () => {
    const bob = await peer({ host: '127.0.0.1', tls: { listen: true, cert: cert.cert, key: cert.key } }, 200);
    const alice = await peer({ host: '127.0.0.1', tls: { caFile: cert.certFile } });
    const res = await options(alice, { protocol: 'tls', host: '127.0.0.1', port: bob.opened.tls!.local.port, serverName: 'localhost' });
    expect(res.status).toBe(200);
    expect(res.via.transport).toBe('TLS');
  });

  it('fails the transaction with transport.tls when the server certificate is not trusted', async () => {
    const bob = await peer({ host: '127.0.0.1', tls: { listen: true, cert: cert.cert, key: cert.key } }, 200);
    const alice = await peer({ host: '127.0.0.1', tls: {} });
    await expect(options(alice, { protocol: 'tls', host: '127.0.0.1', port: bob.opened.tls!.local.port })).rejects.toMatchObject({
      code: 'transport.tls',
    });
  });

  it('answers an oversize message on a stream with 513 and closes the connection', async () => {
    const bob = await peer({ host: '127.0.0.1', tcp: { listen: true } });
    const socket = connect({ port: bob.opened.tcp!.local.port, host: '127.0.0.1' });
    cleanups.push(() => void socket.destroy());
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    const body = 'x'.repeat(70_000);
    socket.write(
      'MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKbig\r\nFrom: <sip:a@a>;tag=1\r\n' +
        `To: <sip:bob@127.0.0.1>\r\nCall-ID: big\r\nCSeq: 1 MESSAGE\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    await ended;
    const res = parseMessage(got) as SipResponse;
    expect(res.status).toBe(513);
    expect(res.callId).toBe('big');
    expect(bob.opened.layer.stats.parseErrors).toBe(1);
  });

  it('resolves a URI only to the transports that are open (RFC 3263)', async () => {
    const resolver = new SipResolver({
      resolveNaptr: () => Promise.resolve([]),
      resolveSrv: (n) =>
        Promise.resolve(n === '_sip._tcp.example.com' ? [{ name: 'sip.example.com', port: 5070, priority: 1, weight: 0 }] : []),
      resolve4: () => Promise.resolve(['127.0.0.1']),
      resolve6: () => Promise.resolve([]),
    });
    const udpOnly = await openSipTransport({ host: '127.0.0.1', udp: { port: 0 }, resolver });
    cleanups.push(() => udpOnly.layer.dispose());
    const targets = await udpOnly.layer.resolve(parseUri('sip:bob@example.com') as SipUri);
    expect(targets).toEqual([{ protocol: 'udp', host: '127.0.0.1', port: 5060, serverName: 'example.com' }]);
    const both = await openSipTransport({ host: '127.0.0.1', udp: { port: 0 }, tcp: {}, resolver });
    cleanups.push(() => both.layer.dispose());
    expect((await both.layer.resolve(parseUri('sip:bob@example.com') as SipUri))[0]).toMatchObject({ protocol: 'tcp', port: 5070 });
  });
});
