import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
import { LoopNetwork } from './loop';
import type { Flow } from './transport';

function setup(protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new FakeClock();
  const net = new LoopNetwork(clock);
  const got: Array<{ text: string; source: Flow; at: number }> = [];
  const closed: string[] = [];
  const a = net.createTransport({ host: 'a', port: 1, protocol, onMessage: () => {}, connectionClosed: (_f, r) => closed.push(`a:${r}`) });
  const b = net.createTransport({
    host: 'b',
    port: 2,
    protocol,
    onMessage: (bytes, source) => got.push({ text: Buffer.from(bytes).toString(), source, at: clock.now() }),
    connectionClosed: (_f, r) => closed.push(`b:${r}`),
  });
  const to = { protocol, host: 'b', port: 2 } as const;
  return { clock, net, a, b, got, to, closed };
}

describe('LoopNetwork (pjsip loop transport for tests)', () => {
  it('delivers on the next advance, never inside send', async () => {
    const { clock, a, got, to } = setup();
    await a.send(Buffer.from('one'), to);
    expect(got).toHaveLength(0);
    clock.advance(0);
    expect(got.map((g) => g.text)).toEqual(['one']);
    expect(got[0]!.source).toEqual({ protocol: 'udp', host: 'a', port: 1 });
  });

  it('delays delivery by delayMs of virtual time', async () => {
    const { clock, net, a, got, to } = setup();
    net.delayMs = 250;
    await a.send(Buffer.from('late'), to);
    clock.advance(249);
    expect(got).toHaveLength(0);
    clock.advance(1);
    expect(got[0]!.at).toBe(250);
  });

  it('drops the next N matching packets, then delivers again', async () => {
    const { clock, net, a, got, to } = setup();
    net.dropNext(2, (p) => p.text.startsWith('INVITE'));
    for (const t of ['INVITE 1', 'ACK', 'INVITE 2', 'INVITE 3']) await a.send(Buffer.from(t), to);
    clock.advance(0);
    expect(got.map((g) => g.text)).toEqual(['ACK', 'INVITE 3']);
    expect(net.log.filter((p) => p.dropped).map((p) => p.text)).toEqual(['INVITE 1', 'INVITE 2']);
    expect(net.sent(/^INVITE/).map((p) => p.text)).toEqual(['INVITE 3']);
  });

  it('drops by predicate until cleared', async () => {
    const { clock, net, a, got, to } = setup();
    net.dropWhen(() => true);
    await a.send(Buffer.from('x'), to);
    net.dropWhen(undefined);
    await a.send(Buffer.from('y'), to);
    clock.advance(0);
    expect(got.map((g) => g.text)).toEqual(['y']);
  });

  it('makes sends fail with the chosen TransportError code', async () => {
    const { net, a, to } = setup();
    net.failWhen(() => 'transport.unreachable');
    await expect(a.send(Buffer.from('x'), to)).rejects.toMatchObject({ code: 'transport.unreachable' });
  });

  it('loses a datagram to nowhere, refuses a connection to nowhere', async () => {
    const udp = setup('udp');
    await expect(udp.a.send(Buffer.from('x'), { protocol: 'udp', host: 'nobody', port: 9 })).resolves.toBeUndefined();
    const tcp = setup('tcp');
    expect(tcp.a.isReliable).toBe(true);
    await expect(tcp.a.send(Buffer.from('x'), { protocol: 'tcp', host: 'nobody', port: 9 })).rejects.toMatchObject({
      code: 'transport.unreachable',
    });
  });

  it('gives reliable flows a connection id and reports a broken connection to both ends', async () => {
    const { clock, net, a, b, got, to, closed } = setup('tcp');
    await a.send(Buffer.from('x'), to);
    clock.advance(0);
    expect(got[0]!.source.connectionId).toBe('loop:a:1');
    net.breakConnection(a, b);
    expect(closed).toEqual(['a:connection reset', 'b:connection reset']);
  });

  it('ends with no open sockets and no pending timers after dispose', async () => {
    const { clock, net, a, b, to } = setup();
    net.delayMs = 100;
    await a.send(Buffer.from('in flight'), to);
    await a.dispose();
    await b.dispose();
    await expect(a.send(Buffer.from('x'), to)).rejects.toMatchObject({ code: 'transport.closed' });
    expect(net.openSockets()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
