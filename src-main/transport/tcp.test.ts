import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FakeClock } from '../../test/support/fake-clock';
import { Inbox, until } from '../../test/support/transport-inbox';
import type { StreamTransport } from './stream-transport';
import { openTcpTransport } from './tcp';
import type { Flow } from './transport';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tcp(opts: { listen?: boolean; clock?: FakeClock; idleTimeoutMs?: number; maxMessageBytes?: number } = {}) {
  const inbox = new Inbox();
  const closed: Array<{ flow: Flow; reason: string }> = [];
  const opened: Flow[] = [];
  const pongs: string[] = [];
  const t = await openTcpTransport({
    onMessage: inbox.onMessage,
    connectionClosed: (flow, reason) => closed.push({ flow, reason }),
    connectionOpened: (flow) => opened.push(flow),
    onPong: (id) => pongs.push(id),
    ...(opts.listen ? { listen: { host: '127.0.0.1', port: 0 } } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.idleTimeoutMs !== undefined ? { idleTimeoutMs: opts.idleTimeoutMs } : {}),
    ...(opts.maxMessageBytes !== undefined ? { maxMessageBytes: opts.maxMessageBytes } : {}),
  });
  cleanups.push(() => t.dispose());
  return { t, inbox, closed, opened, pongs };
}

function msg(body: string): string {
  return `MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** A raw TCP client to poke the server with exact bytes. */
async function rawClient(port: number): Promise<{ socket: Socket; data: () => string }> {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.on('data', (d) => (received += d.toString('latin1')));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  cleanups.push(() => void socket.destroy());
  return { socket, data: () => received };
}

describe('TCP transport (RFC 3261 §18.3)', () => {
  it('delivers a message to the server and the answer back on the same connection', async () => {
    const bob = await tcp({ listen: true });
    const alice = await tcp();
    expect(alice.t.isReliable).toBe(true);
    await alice.t.send(Buffer.from(msg('hi bob')), { protocol: 'tcp', host: '127.0.0.1', port: bob.t.local.port });
    const got = await bob.inbox.nth(1);
    expect(got.text).toBe(msg('hi bob'));
    expect(got.source.connectionId).toMatch(/^tcp-/);
    // RFC 3261 §18.2.2: the response goes back on the connection the request came on.
    await bob.t.send(Buffer.from(msg('hi alice')), { ...got.source, connectionOnly: true });
    const back = await alice.inbox.nth(1);
    expect(back.text).toBe(msg('hi alice'));
    expect(back.source.port).toBe(bob.t.local.port);
  });

  it('works over IPv6 on ::1', async () => {
    const inbox = new Inbox();
    const bob = await openTcpTransport({ onMessage: inbox.onMessage, listen: { host: '::1', port: 0 } });
    cleanups.push(() => bob.dispose());
    const alice = await tcp();
    await alice.t.send(Buffer.from(msg('v6')), { protocol: 'tcp', host: '::1', port: bob.local.port });
    const got = await inbox.nth(1);
    expect(got.text).toBe(msg('v6'));
    expect(got.source.host).toBe('::1');
  });

  it('reuses one connection for every message to the same host:port', async () => {
    const bob = await tcp({ listen: true });
    const alice = await tcp();
    const dest = { protocol: 'tcp' as const, host: '127.0.0.1', port: bob.t.local.port };
    await Promise.all([alice.t.send(Buffer.from(msg('1')), dest), alice.t.send(Buffer.from(msg('2')), dest)]);
    await alice.t.send(Buffer.from(msg('3')), dest);
    await bob.inbox.nth(3);
    expect(alice.opened).toHaveLength(1);
    expect(new Set(bob.inbox.all.map((r) => r.source.connectionId)).size).toBe(1);
    expect(alice.t.connections()).toHaveLength(1);
  });

  it('frames messages written in odd chunks and several per write', async () => {
    const bob = await tcp({ listen: true });
    const raw = await rawClient(bob.t.local.port);
    const stream = Buffer.from(msg('abc') + msg('') + msg('z'.repeat(1000)));
    for (const [from, to] of [[0, 7], [7, 40], [40, 41], [41, stream.length]] as const) {
      raw.socket.write(stream.subarray(from, to));
      await new Promise((r) => setTimeout(r, 5));
    }
    await bob.inbox.nth(3);
    expect(bob.inbox.all.map((r) => r.text)).toEqual([msg('abc'), msg(''), msg('z'.repeat(1000))]);
  });

  it("answers a peer's CRLFCRLF ping with a CRLF pong (RFC 5626 §4.4.1)", async () => {
    const bob = await tcp({ listen: true });
    const raw = await rawClient(bob.t.local.port);
    raw.socket.write('\r\n\r\n');
    await until(() => raw.data() === '\r\n');
    expect(bob.inbox.all).toHaveLength(0);
  });

  it('sends keep-alive pings on the injected clock and hears the pongs', async () => {
    const clock = new FakeClock();
    const bob = await tcp({ listen: true });
    const alice = await tcp({ clock });
    await alice.t.send(Buffer.from(msg('register')), { protocol: 'tcp', host: '127.0.0.1', port: bob.t.local.port });
    const [flow] = alice.t.connections();
    alice.t.keepAlive.start(flow!.connectionId!, 30_000);
    // RFC 5626 §4.4.1: each ping between 80 % and 100 % of the interval after the last one.
    for (let k = 1; k <= 3; k++) {
      const wait = clock.nextDelay()!;
      expect(wait).toBeGreaterThanOrEqual(24_000);
      expect(wait).toBeLessThanOrEqual(30_000);
      clock.advance(wait);
      await until(() => alice.pongs.length === k);
    }
    expect(alice.closed).toHaveLength(0);
    alice.t.keepAlive.stop(flow!.connectionId!);
    await alice.t.dispose();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('declares the flow failed when no pong comes within 10 s', async () => {
    const clock = new FakeClock();
    const silent: Server = createServer((s) => s.on('data', () => {}));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => silent.close(() => r())));
    const port = (silent.address() as { port: number }).port;
    const alice = await tcp({ clock });
    await alice.t.send(Buffer.from(msg('x')), { protocol: 'tcp', host: '127.0.0.1', port });
    const id = alice.t.connections()[0]!.connectionId!;
    alice.t.keepAlive.start(id, 20_000);
    clock.advance(20_000);
    expect(alice.closed).toHaveLength(0);
    clock.advance(10_000);
    expect(alice.closed).toEqual([{ flow: expect.objectContaining({ connectionId: id }), reason: 'keep-alive pong timeout' }]);
    await alice.t.dispose();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('reports connectionClosed when the peer drops the connection, then opens a new one', async () => {
    const bob = await tcp({ listen: true });
    const alice = await tcp();
    const dest = { protocol: 'tcp' as const, host: '127.0.0.1', port: bob.t.local.port };
    await alice.t.send(Buffer.from(msg('1')), dest);
    const first = await bob.inbox.nth(1);
    bob.t.closeConnection(first.source.connectionId!);
    await until(() => alice.closed.length === 1);
    expect(alice.closed[0]!.flow).toMatchObject({ protocol: 'tcp', host: '127.0.0.1', port: bob.t.local.port });
    await alice.t.send(Buffer.from(msg('2')), dest);
    const second = await bob.inbox.nth(2);
    expect(second.source.connectionId).not.toBe(first.source.connectionId);
  });

  it('closes a connection after the idle time without traffic', async () => {
    const clock = new FakeClock();
    const bob = await tcp({ listen: true });
    const alice = await tcp({ clock, idleTimeoutMs: 60_000 });
    await alice.t.send(Buffer.from(msg('1')), { protocol: 'tcp', host: '127.0.0.1', port: bob.t.local.port });
    clock.advance(59_999);
    expect(alice.closed).toHaveLength(0);
    clock.advance(1);
    expect(alice.closed.map((c) => c.reason)).toEqual(['idle']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('closes the connection with transport.too-large on an oversize message', async () => {
    const bob = await tcp({ listen: true, maxMessageBytes: 500 });
    const raw = await rawClient(bob.t.local.port);
    raw.socket.write(msg('q'.repeat(1000)));
    await until(() => bob.closed.length === 1);
    expect(bob.closed[0]!.reason).toMatch(/^transport\.too-large/);
    await until(() => raw.socket.readableEnded || raw.socket.destroyed);
  });

  it('rejects with transport.unreachable when nobody listens', async () => {
    const alice = await tcp();
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(alice.t.send(Buffer.from('x'), { protocol: 'tcp', host: '127.0.0.1', port })).rejects.toMatchObject({
      code: 'transport.unreachable',
    });
  });

  it('rejects with transport.closed when the named connection is gone and connectionOnly is set', async () => {
    const alice = await tcp();
    await expect(
      alice.t.send(Buffer.from('x'), { protocol: 'tcp', host: '127.0.0.1', port: 1, connectionId: 'tcp-999999', connectionOnly: true }),
    ).rejects.toMatchObject({ code: 'transport.closed' });
  });
});

export type { StreamTransport };
