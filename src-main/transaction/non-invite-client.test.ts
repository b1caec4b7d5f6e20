import { afterEach, describe, expect, it } from 'vitest';
import { createLoopPeers, flush, recorder, reply, requestTo, sendTimes, type LoopPeers } from '../../test/support/transaction-fixture';
import type { NonInviteClientTransaction } from './non-invite-client';

/*
 * Scenarios (RFC 3261 §17.1.2): Timer E doubling capped at T2 in Trying and fixed at T2 in
 * Proceeding, Timer F timeout at 64*T1, no retransmission over TCP, Timer K (T4 / 0) absorbing
 * response retransmissions, transport error to the TU.
 */
let peers: LoopPeers;
afterEach(async () => {
  await peers.dispose();
  expect(peers.clock.pendingTimers()).toBe(0);
  expect(peers.net.openSockets()).toBe(0);
});

function options(p: LoopPeers) {
  const user = recorder();
  const tx = p.alice.layer.sendRequest(requestTo(p.bob, 'OPTIONS'), p.bob.address, user) as NonInviteClientTransaction;
  return { tx, user };
}

describe('NonInviteClientTransaction (RFC 3261 §17.1.2)', () => {
  it('retransmits over UDP at 0.5, 1.5, 3.5, 7.5 s and then every 4 s: Timer E caps at T2 = 4 s', () => {
    peers = createLoopPeers();
    peers.net.dropWhen((p) => p.text.startsWith('OPTIONS'));
    options(peers);
    peers.clock.advance(31_999);
    expect(sendTimes(peers.net, /^OPTIONS /)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  });

  it('reports a timeout when Timer F fires at 32 s', () => {
    peers = createLoopPeers();
    peers.net.dropWhen((p) => p.text.startsWith('OPTIONS'));
    const { tx, user } = options(peers);
    peers.clock.advance(31_999);
    expect(user.timeouts).toBe(0);
    peers.clock.advance(1);
    expect(user.timeouts).toBe(1);
    expect(tx.state).toBe('terminated');
  });

  it('retransmits every T2 once a provisional response has arrived (Proceeding)', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 100));
    const { tx, user } = options(peers);
    peers.clock.advance(10_000);
    expect(tx.state).toBe('proceeding');
    expect(sendTimes(peers.net, /^OPTIONS /)).toEqual([0, 500, 4500, 8500]);
    // bob's server transaction answers each retransmission with its provisional response.
    expect(sendTimes(peers.net, /^SIP\/2.0 100/)).toEqual([0, 500, 4500, 8500]);
    expect(user.statuses).toEqual([100, 100, 100, 100]);
    peers.clock.advance(22_000);
    expect(user.timeouts).toBe(1);
  });

  it('never retransmits over TCP, and terminates at once on the final response (Timer K = 0)', () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    const { tx, user } = options(peers);
    peers.clock.advance(5_000);
    expect(sendTimes(peers.net, /^OPTIONS /)).toEqual([0]);
    const server = peers.bob.requests[0]!.tx;
    server.respond(reply(server, 200));
    peers.clock.advance(0);
    expect(user.statuses).toEqual([200]);
    expect(tx.state).toBe('terminated');
  });

  it('passes the final response to the TU before it reports termination over TCP', () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    const order: string[] = [];
    peers.alice.layer.sendRequest(requestTo(peers.bob, 'OPTIONS'), peers.bob.address, {
      receiveResponse: (r) => order.push(`response ${r.status}`),
      onTerminated: () => order.push('terminated'),
    });
    peers.clock.advance(0);
    const server = peers.bob.requests[0]!.tx;
    server.respond(reply(server, 401));
    peers.clock.advance(0);
    expect(order).toEqual(['response 401', 'terminated']);
  });

  it('absorbs retransmitted final responses in Completed for Timer K = T4 = 5 s over UDP', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 200));
    // Lose the first 200: alice retransmits at 0.5 s and bob's Completed transaction re-sends it.
    peers.net.dropNext(1, (p) => p.text.startsWith('SIP/2.0 200'));
    const { tx, user } = options(peers);
    peers.clock.advance(500);
    expect(user.statuses).toEqual([200]);
    expect(tx.state).toBe('completed');
    peers.clock.advance(4_999);
    expect(tx.state).toBe('completed');
    peers.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.terminated).toBe(1);
  });

  it('passes every final status 200-699 to the TU exactly once', () => {
    peers = createLoopPeers();
    let status = 200;
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, status));
    const users = [200, 302, 404, 503, 603].map((s) => {
      status = s;
      const r = options(peers);
      peers.clock.advance(0);
      return r.user;
    });
    expect(users.map((u) => u.statuses)).toEqual([[200], [302], [404], [503], [603]]);
  });

  it('reports a transport error to the TU and terminates (§17.1.4)', async () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    peers.net.failWhen((p) => (p.text.startsWith('OPTIONS') ? 'transport.closed' : undefined));
    const { tx, user } = options(peers);
    await flush();
    expect(user.errors.map((e) => e.code)).toEqual(['transport.closed']);
    expect(tx.state).toBe('terminated');
  });
});
