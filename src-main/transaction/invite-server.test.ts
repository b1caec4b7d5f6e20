import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStateError } from '../base/errors';
import { createLoopPeers, flush, recorder, reply, requestTo, sendTimes, type LoopPeers } from '../../test/support/transaction-fixture';
import type { InviteServerTransaction } from './invite-server';
import type { ServerTransactionUser } from './transaction-user';

/*
 * Scenarios (RFC 3261 §17.2.1 with RFC 6026 §7.1), bob's INVITE server transaction with
 * alice's real client transaction on the loop network:
 * - automatic 100 Trying after 200 ms of TU silence, and none when the TU is quicker;
 * - request retransmissions answered with the last provisional / the final response;
 * - Timer G doubling up to T2, Timer H at 64*T1 (ACK timeout), Timer I (T4 / 0);
 * - Accepted: 2xx from the TU, INVITE retransmissions absorbed, ACK to the TU, Timer L;
 * - transport errors reach the TU; no Timer G over TCP.
 */
let peers: LoopPeers;
afterEach(async () => {
  await peers.dispose();
  expect(peers.clock.pendingTimers()).toBe(0);
  expect(peers.net.openSockets()).toBe(0);
});

function serverUser(): ServerTransactionUser & { ackTimeouts: number; errors: string[]; terminated: number } {
  const u = {
    ackTimeouts: 0,
    errors: [] as string[],
    terminated: 0,
    onAckTimeout: () => void u.ackTimeouts++,
    onTransportError: (e: { code: string }) => void u.errors.push(e.code),
    onTerminated: () => void u.terminated++,
  };
  return u;
}

/** alice sends an INVITE; bob's TU runs `tu` on it. Returns bob's server transaction getter. */
function call(p: LoopPeers, tu?: (tx: InviteServerTransaction) => void) {
  const alice = recorder();
  p.bob.onRequest = (_req, tx) => tu?.(tx as InviteServerTransaction);
  p.alice.layer.sendRequest(requestTo(p.bob, 'INVITE'), p.bob.address, alice);
  p.clock.advance(0);
  const tx = p.bob.requests[0]!.tx as InviteServerTransaction;
  return { tx, alice };
}

describe('InviteServerTransaction (RFC 3261 §17.2.1)', () => {
  it('sends 100 Trying after 200 ms when the TU has not answered', () => {
    peers = createLoopPeers();
    const { alice } = call(peers);
    peers.clock.advance(199);
    expect(peers.net.sent(/^SIP\/2.0 100/)).toHaveLength(0);
    peers.clock.advance(1);
    expect(sendTimes(peers.net, /^SIP\/2.0 100/)).toEqual([200]);
    expect(alice.statuses).toEqual([100]);
  });

  it('sends no 100 Trying when the TU answers within 200 ms', () => {
    peers = createLoopPeers();
    const { tx } = call(peers);
    peers.clock.advance(150);
    tx.respond(reply(tx, 180));
    peers.clock.advance(1000);
    expect(peers.net.sent(/^SIP\/2.0 100/)).toHaveLength(0);
    expect(sendTimes(peers.net, /^SIP\/2.0 180/)).toEqual([150]);
  });

  it('answers an INVITE retransmission with the most recent provisional response', () => {
    peers = createLoopPeers();
    // Lose the 180 once: alice retransmits the INVITE at 0.5 s and bob re-sends the 180.
    peers.net.dropNext(1, (p) => p.text.startsWith('SIP/2.0 180'));
    const { alice } = call(peers, (tx) => tx.respond(reply(tx, 180)));
    peers.clock.advance(500);
    expect(sendTimes(peers.net, /^SIP\/2.0 180/)).toEqual([0, 500]);
    expect(alice.statuses).toEqual([180]);
    expect(peers.bob.requests).toHaveLength(1); // the retransmission never reached the TU
  });

  it('retransmits a 3xx-6xx at 0.5, 1.5, 3.5, 7.5 s and then every 4 s (Timer G ≤ T2) until Timer H', () => {
    peers = createLoopPeers();
    peers.net.dropWhen((p) => p.text.startsWith('ACK'));
    const user = serverUser();
    const { tx } = call(peers, (tx) => {
      tx.user = user;
      tx.respond(reply(tx, 486));
    });
    peers.clock.advance(31_999);
    expect(sendTimes(peers.net, /^SIP\/2.0 486/)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(tx.state).toBe('completed');
    peers.clock.advance(1);
    // Timer H: "the server transaction … SHOULD inform the TU that a failure has occurred".
    expect(tx.state).toBe('terminated');
    expect(user.ackTimeouts).toBe(1);
    expect(user.terminated).toBe(1);
  });

  it('goes Confirmed on the ACK, absorbs ACK retransmissions for Timer I = 5 s, then terminates', () => {
    peers = createLoopPeers();
    const { tx } = call(peers, (tx) => tx.respond(reply(tx, 480)));
    peers.clock.advance(0);
    expect(tx.state).toBe('confirmed');
    expect(peers.net.sent(/^SIP\/2.0 480/)).toHaveLength(1); // the ACK stopped Timer G
    expect(peers.bob.acks).toHaveLength(0); // a non-2xx ACK stays in the transaction
    peers.clock.advance(4_999);
    expect(tx.state).toBe('confirmed');
    peers.clock.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('never retransmits responses over TCP and ends at once on the ACK (Timer I = 0)', () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    const { tx } = call(peers, (tx) => tx.respond(reply(tx, 500)));
    peers.clock.advance(0);
    expect(tx.state).toBe('terminated');
    expect(peers.net.sent(/^SIP\/2.0 500/)).toHaveLength(1);
  });

  it('times out with Timer H over TCP when no ACK comes', () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    peers.net.dropWhen((p) => p.text.startsWith('ACK'));
    const user = serverUser();
    const { tx } = call(peers, (tx) => {
      tx.user = user;
      tx.respond(reply(tx, 486));
    });
    peers.clock.advance(32_000);
    expect(peers.net.sent(/^SIP\/2.0 486/)).toHaveLength(1);
    expect(user.ackTimeouts).toBe(1);
    expect(tx.state).toBe('terminated');
  });

  it('in Accepted sends the TU 2xx, absorbs INVITE retransmissions, passes the ACK up, ends after Timer L', () => {
    peers = createLoopPeers();
    // Lose the first 200 so alice retransmits the INVITE into bob's Accepted transaction.
    peers.net.dropNext(1, (p) => p.text.startsWith('SIP/2.0 200'));
    const { tx, alice } = call(peers, (tx) => tx.respond(reply(tx, 200)));
    expect(tx.state).toBe('accepted');
    peers.clock.advance(500);
    expect(sendTimes(peers.net, /^INVITE /)).toEqual([0, 500]);
    expect(peers.net.sent(/^SIP\/2.0 200/)).toHaveLength(0); // no 2xx retransmission of its own
    expect(peers.bob.requests).toHaveLength(1);
    // The TU retransmits its 2xx (§13.3.1.4); the transaction passes it on.
    tx.respond(reply(tx, 200));
    peers.clock.advance(0);
    expect(alice.statuses).toEqual([200]);
    expect(() => tx.respond(reply(tx, 486))).toThrow(InvalidStateError);
    peers.clock.advance(31_499);
    expect(tx.state).toBe('accepted');
    peers.clock.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('rejects any response after a 3xx-6xx with InvalidStateError', () => {
    peers = createLoopPeers();
    const { tx } = call(peers, (tx) => tx.respond(reply(tx, 404)));
    expect(() => tx.respond(reply(tx, 200))).toThrow(InvalidStateError);
  });

  it('reports a failed response send to the TU and terminates (§17.2.4)', async () => {
    peers = createLoopPeers();
    const user = serverUser();
    peers.net.failWhen((p) => (p.text.startsWith('SIP/2.0 603') ? 'transport.unreachable' : undefined));
    const { tx } = call(peers, (tx) => {
      tx.user = user;
      tx.respond(reply(tx, 603));
    });
    await flush();
    expect(user.errors).toEqual(['transport.unreachable']);
    expect(tx.state).toBe('terminated');
  });
});
