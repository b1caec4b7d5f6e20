/**
 * RFC 5626 §4.4.1 keep-alives on a registration's TCP connection: the UA pings with CRLFCRLF,
 * and when the registrar stops answering with a pong the connection is treated as dead and the
 * UA registers again on a new connection. The registrar here is a few lines over real TCP;
 * time runs on a FakeClock, so the 10 s pong timeout takes no wall time.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../support/fake-clock';
import { createResponse, parseMessage, serializeMessage, type SipRequest } from '../../src-main/sip';
import { UserAgent } from '../../src-main/ua/user-agent';

let server: Server | undefined;
let ua: UserAgent | undefined;
afterEach(async () => {
  await ua?.shutdown(100);
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

async function waitUntil(cond: () => boolean, clock: FakeClock): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) {
    await clock.tick(0);
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(cond()).toBe(true);
}

it.each([['an IP literal', '127.0.0.1'], ['a name (localhost)', 'localhost']])('pings the registrar over TCP and registers again when the pongs stop (proxy given as %s)', async (_what, proxyHost) => {
  const connections: Socket[] = [];
  const registers: SipRequest[] = [];
  let pings = 0;
  let answerPings = true;
  server = createServer((socket) => {
    connections.push(socket);
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (;;) {
        if (buffered.startsWith('\r\n\r\n')) {
          buffered = buffered.slice(4);
          pings++;
          if (answerPings) socket.write('\r\n');
          continue;
        }
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/Content-Length:\s*(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const req = parseMessage(buffered.slice(0, end + 4 + length)) as SipRequest;
        buffered = buffered.slice(end + 4 + length);
        registers.push(req);
        const res = createResponse(req, 200, undefined, { toTag: 'reg' });
        res.set('Contact', `${req.get('Contact')};expires=600`);
        socket.write(serializeMessage(res));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;

  const clock = new FakeClock();
  ua = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['tcp'], clock });
  ua.addAccount({ id: 'a', aor: 'sip:alice@127.0.0.1', proxy: `sip:${proxyHost}:${port};transport=tcp`, keepAliveSeconds: 5 });
  ua.register('a');
  await waitUntil(() => ua!.registration('a').state === 'registered', clock);
  expect(connections).toHaveLength(1);

  // Pings come every 80–100 % of 5 s and are answered.
  for (let i = 0; i < 6; i++) {
    clock.advance(2_500);
    await flushMicrotasks();
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(pings).toBeGreaterThanOrEqual(2);
  expect(ua.registration('a').state).toBe('registered');

  // The registrar goes silent: no pong within 10 s fails the flow, and the UA registers anew.
  answerPings = false;
  const before = registers.length;
  for (let i = 0; i < 12 && registers.length === before; i++) {
    clock.advance(2_500);
    await flushMicrotasks();
    await new Promise((r) => setTimeout(r, 20));
  }
  await waitUntil(() => registers.length > before && ua!.registration('a').state === 'registered', clock);
  expect(connections.length).toBeGreaterThanOrEqual(2);
});
