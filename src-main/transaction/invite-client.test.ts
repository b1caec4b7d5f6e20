import { afterEach, describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest } from '../sip';
import {
  createLoopPeers,
  flush,
  recorder,
  reply,
  requestTo,
  sendTimes,
  type LoopPeers,
} from '../../test/support/transaction-fixture';
import type { InviteClientTransaction } from './invite-client';

/*
 * Scenarios (RFC 3261 §17.1.1 with RFC 6026 §7.2), alice's INVITE client transaction against
 * bob's real transaction layer on the loop network, in virtual time:
 * - Timer A doubles without a cap over UDP; Timer B times out at 64*T1; no retransmission over TCP;
 * - a provisional stops retransmission and Timer B;
 * - 300-699: ACK built per §17.1.1.3, re-sent for each retransmission, Timer D (32 s / 0);
 * - 2xx: Accepted, retransmitted 2xx to the TU, Timer M;
 * - transport error → TU.
 */
let peers: LoopPeers;
afterEach(async () => {
  await peers.dispose();
  expect(peers.clock.pendingTimers()).toBe(0);
  expect(peers.net.openSockets()).toBe(0);
});

function invite(
  p: LoopPeers,
  edit?: (r: SipRequest) => void,
): { tx: InviteClientTransaction; user: ReturnType<typeof recorder>; request: SipRequest } {
  const user = recorder();
  const request = requestTo(p.bob, 'INVITE');
  edit?.(request);
  const tx = p.alice.layer.sendRequest(request, p.bob.address, user) as InviteClientTransaction;
  return { tx, user, request };
}

describe('InviteClientTransaction (RFC 3261 §17.1.1)', () => {
  it('retransmits INVITE over UDP at 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s', () => {
    peers = createLoopPeers();
    peers.net.dropWhen((p) => p.text.startsWith('INVITE'));
    const { tx } = invite(peers);
    peers.clock.advance(31_999);
    expect(sendTimes(peers.net, /^INVITE /)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(tx.state).toBe('calling');
  });

  it('reports a timeout to the TU when Timer B fires at 32 s', () => {
    peers = createLoopPeers();
    peers.net.dropWhen((p) => p.text.startsWith('INVITE'));
    const { tx, user } = invite(peers);
    peers.clock.advance(31_999);
    expect(user.timeouts).toBe(0);
    peers.clock.advance(1);
    expect(user.timeouts).toBe(1);
    expect(user.terminated).toBe(1);
    expect(tx.state).toBe('terminated');
    expect(peers.alice.layer.size.clients).toBe(0);
    expect(peers.clock.pendingTimers()).toBe(0);
  });

  it('never retransmits over TCP, and still times out with Timer B', () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    peers.net.dropWhen((p) => p.text.startsWith('INVITE'));
    const { user } = invite(peers);
    peers.clock.advance(32_000);
    expect(sendTimes(peers.net, /^INVITE /)).toEqual([0]);
    expect(user.timeouts).toBe(1);
  });

  it('stops retransmitting and cancels Timer B on a provisional response', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 180));
    const { tx, user } = invite(peers);
    peers.clock.advance(60_000);
    expect(sendTimes(peers.net, /^INVITE /)).toEqual([0]);
    expect(user.statuses).toEqual([180]);
    expect(user.timeouts).toBe(0);
    expect(tx.state).toBe('proceeding');
  });

  it('sends the ACK for a 486 itself, built per §17.1.1.3, and passes the 486 up once', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 486));
    const { tx, user, request } = invite(peers, (r) => r.append('Route', '<sip:proxy.loop;lr>'));
    peers.clock.advance(0);
    expect(user.statuses).toEqual([486]);
    expect(tx.state).toBe('completed');
    const acks = peers.net.sent(/^ACK /);
    expect(acks).toHaveLength(1);
    const ack = parseMessage(Buffer.from(acks[0]!.bytes)) as SipRequest;
    expect(ack.uri.toString()).toBe(request.uri.toString());
    expect(ack.vias).toHaveLength(1);
    expect(ack.via.branch).toBe(request.via.branch);
    expect(ack.toTag).toBe('bobtag');
    expect(ack.fromTag).toBe(request.fromTag);
    expect(ack.callId).toBe(request.callId);
    expect(ack.cseq).toEqual({ seq: request.cseq.seq, method: 'ACK' });
    expect(ack.getAll('Route')).toEqual(['<sip:proxy.loop;lr>']);
  });

  it('re-sends the ACK for each retransmitted 3xx-6xx without telling the TU again', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 603));
    // Lose alice's first two ACKs: bob's Timer G retransmits the 603 at 0.5 and 1.5 s.
    peers.net.dropNext(2, (p) => p.text.startsWith('ACK'));
    const { user } = invite(peers);
    peers.clock.advance(2000);
    expect(sendTimes(peers.net, /^SIP\/2.0 603/)).toEqual([0, 500, 1500]);
    expect(sendTimes(peers.net, /^ACK /)).toEqual([0, 500, 1500]);
    expect(user.statuses).toEqual([603]);
  });

  it('stays Completed for Timer D = 32 s over UDP, then terminates', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 404));
    const { tx, user } = invite(peers);
    peers.clock.advance(31_999);
    expect(tx.state).toBe('completed');
    peers.clock.advance(1);
    expect(tx.state).toBe('terminated');
    expect(user.terminated).toBe(1);
  });

  it('terminates at once after a 3xx-6xx over TCP (Timer D = 0)', () => {
    peers = createLoopPeers({ protocol: 'tcp' });
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 302));
    const { tx, user } = invite(peers);
    peers.clock.advance(0);
    expect(user.statuses).toEqual([302]);
    expect(tx.state).toBe('terminated');
    expect(peers.net.sent(/^ACK /)).toHaveLength(1);
  });

  it('enters Accepted on 2xx, passes 2xx retransmissions to the TU, and ends after Timer M (RFC 6026)', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 200));
    const { tx, user } = invite(peers);
    peers.clock.advance(0);
    expect(tx.state).toBe('accepted');
    // bob's TU retransmits its 2xx (§13.3.1.4) through the Accepted server transaction.
    const serverTx = peers.bob.requests[0]!.tx;
    peers.clock.advance(500);
    serverTx.respond(reply(serverTx, 200));
    peers.clock.advance(0);
    expect(user.statuses).toEqual([200, 200]);
    expect(peers.net.sent(/^ACK /)).toHaveLength(0); // the TU ACKs a 2xx, not the transaction
    peers.clock.advance(31_499);
    expect(tx.state).toBe('accepted');
    peers.clock.advance(1);
    expect(tx.state).toBe('terminated');
  });

  it('hands a 2xx that arrives after Timer M to the layer user as a stray', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 200));
    invite(peers);
    peers.clock.advance(32_000);
    const serverTx = peers.bob.requests[0]!.tx;
    expect(serverTx.state).toBe('terminated'); // bob's Timer L ran out too
    void peers.bob.transport.sendResponse(reply(serverTx, 200), serverTx.flow);
    peers.clock.advance(0);
    expect(peers.alice.strays.map((r) => r.status)).toEqual([200]);
  });

  it('reports a transport error to the TU and terminates (§17.1.4)', async () => {
    peers = createLoopPeers();
    peers.net.failWhen(() => 'transport.unreachable');
    const { tx, user } = invite(peers);
    await flush();
    expect(user.errors.map((e) => e.code)).toEqual(['transport.unreachable']);
    expect(tx.state).toBe('terminated');
    expect(peers.clock.pendingTimers()).toBe(0);
  });
});
