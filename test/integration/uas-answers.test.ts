/**
 * What a Parley user agent answers to requests it does not handle, over real UDP on 127.0.0.1
 * (RFC 3261 §8.2, §11.2), and that a flood of malformed messages leaves it answering OPTIONS.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage, type SipResponse } from '../../src-main/sip';
import { UserAgent } from '../../src-main/ua/user-agent';

let ua: UserAgent;
let client: Socket;
let uaPort: number;
const inbox: Buffer[] = [];

beforeAll(async () => {
  ua = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] });
  uaPort = ua.stack.localAddress('udp').port;
  client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  client.on('message', (m) => inbox.push(m));
});
afterAll(async () => {
  client.close();
  await ua.shutdown();
});

let seq = 0;
function request(method: string, extra = '', body = '', toTag = ''): string {
  seq++;
  const port = client.address().port;
  return (
    `${method} sip:parley@127.0.0.1:${uaPort} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKtest${seq}\r\n` +
    'Max-Forwards: 70\r\n' +
    `To: <sip:parley@127.0.0.1>${toTag ? ';tag=' + toTag : ''}\r\n` +
    `From: <sip:tester@127.0.0.1>;tag=t${seq}\r\n` +
    `Call-ID: call-${seq}@test\r\n` +
    `CSeq: ${seq} ${method}\r\n` +
    extra +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body
  );
}

async function askRaw(text: string, timeoutMs = 2000): Promise<string> {
  const branch = /branch=([^;\r\n]+)/.exec(text)![1]!;
  client.send(text, uaPort, '127.0.0.1');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const i = inbox.findIndex((m) => m.toString().includes(branch) && !m.toString().startsWith('SIP/2.0 100'));
    if (i >= 0) return inbox.splice(i, 1)[0]!.toString();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer to ${text.split('\r\n')[0]}`);
}

async function ask(text: string, timeoutMs = 2000): Promise<SipResponse> {
  return parseMessage(await askRaw(text, timeoutMs)) as SipResponse;
}

describe("a Parley UA's answers (RFC 3261 §8.2, §11.2)", () => {
  it('answers OPTIONS with 200, Allow, Accept and Supported', async () => {
    const res = await ask(request('OPTIONS'));
    expect(res.status).toBe(200);
    expect(res.getAll('Allow')).toContain('OPTIONS');
    expect(res.getAll('Accept')).toContain('application/sdp');
    expect(res.has('Supported')).toBe(true);
    expect(res.toTag).toBeDefined();
  });

  it('answers 405 with Allow to a method it knows but does not handle', async () => {
    const res = await ask(request('PUBLISH'));
    expect(res.status).toBe(405);
    expect(res.getAll('Allow')).toContain('OPTIONS');
  });

  it('answers 501 to a method no RFC defines', async () => {
    expect((await ask(request('FROBNICATE'))).status).toBe(501);
  });

  it('answers 420 with Unsupported for an unknown required extension', async () => {
    const res = await ask(request('OPTIONS', 'Require: x-teleport\r\n'));
    expect(res.status).toBe(420);
    expect(res.get('Unsupported')).toBe('x-teleport');
  });

  it('answers 415 with Accept to a body it cannot read', async () => {
    const res = await ask(request('OPTIONS', 'Content-Type: application/x-unknown\r\n', 'abc'));
    expect(res.status).toBe(415);
    expect(res.getAll('Accept')).toContain('application/sdp');
  });

  it('answers 481 to a request inside a dialog it does not know', async () => {
    expect((await ask(request('OPTIONS', '', '', 'no-such-dialog'))).status).toBe(481);
  });

  it('answers a malformed request with 400 whose reason names the fault', async () => {
    const bad = request('OPTIONS').replace(/CSeq: \d+ OPTIONS/, 'CSeq: banana OPTIONS');
    // The answer echoes the faulty CSeq (§8.2.6.2 copies it), so it is read as text.
    const res = await askRaw(bad);
    expect(res).toMatch(/^SIP\/2\.0 400 [^\r\n]*CSeq[^\r\n]*\r\n/i);
  });

  it('still answers OPTIONS after a flood of 3000 malformed datagrams', async () => {
    const garbage = [
      'INVITE sip:x SIP/2.0\r\n\r\n',
      'NOT SIP AT ALL',
      request('OPTIONS').replace('Call-ID', 'Call-Identity'),
      request('OPTIONS').replace(/Content-Length: 0/, 'Content-Length: 99999'),
      '\x00\x01\x02\xff'.repeat(50),
      request('OPTIONS').replace('SIP/2.0\r\n', 'SIP/7.0\r\n'),
    ];
    for (let i = 0; i < 3000; i++) {
      client.send(garbage[i % garbage.length]!, uaPort, '127.0.0.1');
      if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 200));
    inbox.length = 0;
    const res = await ask(request('OPTIONS'), 5000);
    expect(res.status).toBe(200);
    expect(ua.stack.transport.stats.parseErrors).toBeGreaterThan(1500);
  });
});
