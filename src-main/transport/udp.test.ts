import { afterEach, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { TransportError } from '../base/errors';
import { Inbox } from '../../test/support/transport-inbox';
import { UdpTransport } from './udp';

const open: UdpTransport[] = [];
async function udp(host: string, inbox: Inbox): Promise<UdpTransport> {
  const t = await UdpTransport.open({ host, port: 0, onMessage: inbox.onMessage });
  open.push(t);
  return t;
}

async function ipv6Available(): Promise<boolean> {
  const s = createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, '::1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.dispose()));
});

describe('UdpTransport (RFC 3261 §18)', () => {
  it('delivers a datagram with its source address and the local address', async () => {
    const aliceIn = new Inbox();
    const bobIn = new Inbox();
    const alice = await udp('127.0.0.1', aliceIn);
    const bob = await udp('127.0.0.1', bobIn);
    expect(alice.isReliable).toBe(false);
    await alice.send(Buffer.from('OPTIONS sip:bob SIP/2.0\r\n\r\n'), { protocol: 'udp', host: '127.0.0.1', port: bob.local.port });
    const got = await bobIn.nth(1);
    expect(got.text).toBe('OPTIONS sip:bob SIP/2.0\r\n\r\n');
    expect(got.source).toEqual({ protocol: 'udp', host: '127.0.0.1', port: alice.local.port });
    expect(got.local).toEqual(bob.local);
  });

  it('works over IPv6 on ::1 when the host has it', async () => {
    if (!(await ipv6Available())) {
      expect(await ipv6Available()).toBe(false);
      return;
    }
    const bobIn = new Inbox();
    const alice = await udp('::1', new Inbox());
    const bob = await udp('::1', bobIn);
    await alice.send(Buffer.from('MESSAGE v6'), { protocol: 'udp', host: '::1', port: bob.local.port });
    expect((await bobIn.nth(1)).source).toEqual({ protocol: 'udp', host: '::1', port: alice.local.port });
  });

  it('ignores keep-alive CRLF datagrams', async () => {
    const bobIn = new Inbox();
    const alice = await udp('127.0.0.1', new Inbox());
    const bob = await udp('127.0.0.1', bobIn);
    await alice.send(Buffer.from('\r\n\r\n'), { protocol: 'udp', host: '127.0.0.1', port: bob.local.port });
    await alice.send(Buffer.from('REAL'), { protocol: 'udp', host: '127.0.0.1', port: bob.local.port });
    expect((await bobIn.nth(1)).text).toBe('REAL');
    expect(bobIn.all).toHaveLength(1);
  });

  it('rejects a message too large for a datagram with transport.too-large', async () => {
    const alice = await udp('127.0.0.1', new Inbox());
    await expect(alice.send(Buffer.alloc(70_000, 0x41), { protocol: 'udp', host: '127.0.0.1', port: 9 })).rejects.toMatchObject({
      code: 'transport.too-large',
    });
  });

  it('rejects an IPv6 destination from an IPv4 socket with transport.unreachable', async () => {
    const alice = await udp('127.0.0.1', new Inbox());
    await expect(alice.send(Buffer.from('x'), { protocol: 'udp', host: '::1', port: 5060 })).rejects.toMatchObject({
      code: 'transport.unreachable',
    });
  });

  it('rejects sends after dispose with transport.closed, and dispose is idempotent', async () => {
    const alice = await udp('127.0.0.1', new Inbox());
    await alice.dispose();
    await alice.dispose();
    const p = alice.send(Buffer.from('x'), { protocol: 'udp', host: '127.0.0.1', port: 9 });
    await expect(p).rejects.toBeInstanceOf(TransportError);
    await expect(p).rejects.toMatchObject({ code: 'transport.closed' });
  });

  it('rejects binding a port that is taken with transport.unreachable', async () => {
    const alice = await udp('127.0.0.1', new Inbox());
    await expect(UdpTransport.open({ host: '127.0.0.1', port: alice.local.port, onMessage: () => {} })).rejects.toMatchObject({
      code: 'transport.unreachable',
    });
  });
});
