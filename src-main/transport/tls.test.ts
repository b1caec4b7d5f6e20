import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCert, type TestCertificate } from '../../test/support/tls-certs';
import { Inbox } from '../../test/support/transport-inbox';
import type { StreamTransport } from './stream-transport';
import { openTlsTransport, type TlsTransportOptions } from './tls';

let cert: TestCertificate;
beforeAll(() => {
  cert = makeSelfSignedCert();
});
afterAll(() => cert.cleanup());

const open: StreamTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.dispose()));
});

async function tls(options: Partial<TlsTransportOptions>, inbox = new Inbox()) {
  const t = await openTlsTransport({ onMessage: inbox.onMessage, ...options });
  open.push(t);
  return { t, inbox };
}

const MESSAGE = 'MESSAGE sip:bob@localhost SIP/2.0\r\nContent-Length: 5\r\n\r\nhello';

describe('TLS transport (RFC 3261 §26.3.1, RFC 5922)', () => {
  async function server() {
    return tls({ listen: { host: '127.0.0.1', port: 0 }, cert: cert.cert, key: cert.key });
  }

  it('refuses a self-signed server when the CA is not given: verification is on by default', async () => {
    const bob = await server();
    const alice = await tls({});
    await expect(alice.t.send(Buffer.from(MESSAGE), { protocol: 'tls', host: '127.0.0.1', port: bob.t.local.port })).rejects.toMatchObject({
      code: 'transport.tls',
    });
    expect(bob.inbox.all).toHaveLength(0);
  });

  it('connects and delivers with the CA from a file, and the answer comes back', async () => {
    const bob = await server();
    const alice = await tls({ caFile: cert.certFile });
    await alice.t.send(Buffer.from(MESSAGE), { protocol: 'tls', host: '127.0.0.1', port: bob.t.local.port });
    const got = await bob.inbox.nth(1);
    expect(got.text).toBe(MESSAGE);
    expect(got.source.protocol).toBe('tls');
    await bob.t.send(Buffer.from(MESSAGE), { ...got.source, connectionOnly: true });
    expect((await alice.inbox.nth(1)).text).toBe(MESSAGE);
  });

  it('checks the certificate against the SIP domain sent as SNI', async () => {
    const bob = await server();
    const alice = await tls({ ca: cert.cert });
    const dest = { protocol: 'tls' as const, host: '127.0.0.1', port: bob.t.local.port };
    await alice.t.send(Buffer.from(MESSAGE), { ...dest, serverName: 'localhost' });
    const other = await tls({ ca: cert.cert });
    await expect(other.t.send(Buffer.from(MESSAGE), { ...dest, serverName: 'sip.example.com' })).rejects.toMatchObject({
      code: 'transport.tls',
      message: expect.stringContaining('sip.example.com'),
    });
  });

  it('skips verification only when rejectUnauthorized is explicitly false', async () => {
    const bob = await server();
    const alice = await tls({ rejectUnauthorized: false });
    await alice.t.send(Buffer.from(MESSAGE), { protocol: 'tls', host: '127.0.0.1', port: bob.t.local.port });
    expect((await bob.inbox.nth(1)).text).toBe(MESSAGE);
  });

  it('reports transport.unreachable, not tls, when nothing listens', async () => {
    const bob = await server();
    const port = bob.t.local.port;
    await bob.t.dispose();
    const alice = await tls({ ca: cert.cert });
    await expect(alice.t.send(Buffer.from(MESSAGE), { protocol: 'tls', host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'transport.unreachable',
    });
  });

  it('refuses to listen without a certificate', async () => {
    await expect(openTlsTransport({ onMessage: () => {}, listen: { host: '127.0.0.1', port: 0 } })).rejects.toMatchObject({
      code: 'transport.tls',
    });
  });
});
