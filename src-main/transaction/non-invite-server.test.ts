import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStateError } from '../base/errors';
import { createLoopPeers, flush, recorder, reply, requestTo, sendTimes, type LoopPeers } from '../../test/support/transaction-fixture';
import type { NonInviteServerTransaction } from './non-invite-server';

/*
 * Scenarios (RFC 3261 §17.2.2): retransmissions discarded in Trying, answered with the last
 * provisional in Proceeding and the final response in Completed; Timer J (64*T1 / 0); no
 * response after the final one; transport error to the TU.
 */
let peers: LoopPeers;
afterEach(async () => {
  await peers.dispose();
  expect(peers.clock.pendingTimers()).toBe(0);
  expect(peers.net.openSockets()).toBe(0);
});

function message(p: LoopPeers) {
  const alice = recorder();
  p.alice.layer.sendRequest(requestTo(p.bob, 'MESSAGE', { body: 'hi' }), p.bob.address, alice);
  p.clock.advance(0);
  return { alice, tx: p.bob.requests[0]!.tx as NonInviteServerTransaction };
}

describe('NonInviteServerTransaction (RFC 3261 §17.2.2)', () => {
  it('discards request retransmissions while Trying and never passes them to the TU', () => {
    peers = createLoopPeers();
    const { tx } = message(peers);
    peers.clock.advance(4_000);
    expect(sendTimes(peers.net, /^MESSAGE /)).toEqual([0, 500, 1500, 3500]);
    expect(peers.bob.requests).toHaveLength(1);
    expect(peers.net.log.filter((p) => p.text.startsWith('SIP/2.0'))).toHaveLength(0);
    expect(tx.state).toBe('trying');
    tx.respond(reply(tx, 200));
  });

  it('re-sends the last provisional for a retransmission in Proceeding', () => {
    peers = createLoopPeers();
    const { tx } = message(peers);
    tx.respond(reply(tx, 100));
    expect(tx.state).toBe('proceeding');
    peers.clock.advance(4_500);
    expect(sendTimes(peers.net, /^SIP\/2.0 100/)).toEqual([0, 500, 4500]);
    tx.respond(reply(tx, 202));
  });

  it('re-sends the final response for each retransmission in Completed, until Timer J at 32 s', () => {
    peers = createLoopPeers();
    peers.net.dropNext(2, (p) => p.text.startsWith('SIP/2.0 200'));
    const { tx, alice } = message(peers);
    tx.respond(reply(tx, 200));
    peers.clock.advance(1_500);
    expect(sendTimes(peers.net, /^SIP\/2.0 200/)).toEqual([0, 500, 1500]);
    expect(alice.statuses).toEqual([200]);
    expect(tx.state).toBe('completed');
    peers.clock.advance(32_000 - 1_500 - 1);
    expect(tx.state).toBe('completed');
    peers.clock.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('terminates at once after the final response over TCP (Timer J = 0)', () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    const { tx, alice } = message(peers);
    tx.respond(reply(tx, 200));
    expect(tx.state).toBe('terminated');
    peers.clock.advance(0);
    expect(alice.statuses).toEqual([200]);
  });

  it('refuses a second final response with InvalidStateError', () => {
    peers = createLoopPeers();
    const { tx } = message(peers);
    tx.respond(reply(tx, 200));
    expect(() => tx.respond(reply(tx, 500))).toThrow(InvalidStateError);
  });

  it('reports a failed response send to the TU and terminates', async () => {
    peers = createLoopPeers();
    const { tx } = message(peers);
    const errors: string[] = [];
    tx.user = { onTransportError: (e) => errors.push(e.code) };
    peers.net.failWhen(() => 'transport.unreachable');
    tx.respond(reply(tx, 200));
    await flush();
    expect(errors).toEqual(['transport.unreachable']);
    expect(tx.state).toBe('terminated');
  });
});
