import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors';
import { createRequest, createResponse, parseMessage, parseNameAddr, type SipRequest, type SipResponse } from '../sip';
import { createLoopPeers, recorder, reply, requestTo, sendTimes, type LoopPeers } from '../../test/support/transaction-fixture';
import { buildCancel } from './ack-cancel';
import type { InviteClientTransaction } from './invite-client';
import type { InviteServerTransaction } from './invite-server';
import { serverTransactionKey } from './transaction-layer';

/*
 * Scenarios (RFC 3261 §17.1.3, §17.2.3, §9, §8.2.2.2, §17.1.4) for the layer between alice and
 * bob: matching of responses and requests, CANCEL, 2xx ACK to the TU, 482 for merged requests,
 * stray responses, RFC 2543 matching, disposal.
 */
let peers: LoopPeers;
afterEach(async () => {
  await peers.dispose();
  expect(peers.clock.pendingTimers()).toBe(0);
  expect(peers.net.openSockets()).toBe(0);
});

function packets(p: LoopPeers, pattern: RegExp): Array<SipRequest | SipResponse> {
  return p.net.sent(pattern).map((x) => parseMessage(Buffer.from(x.bytes)));
}

describe('TransactionLayer: CANCEL (RFC 3261 §9)', () => {
  it("answers CANCEL with 200, lets bob's TU answer 487, and alice's INVITE transaction ACKs the 487", () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 180));
    peers.bob.onCancel = (_cancel, invite) => invite.respond(reply(invite, 487));
    const inviteUser = recorder();
    const invite = peers.alice.layer.sendRequest(requestTo(peers.bob, 'INVITE'), peers.bob.address, inviteUser) as InviteClientTransaction;
    peers.clock.advance(0);
    const cancelUser = recorder();
    peers.alice.layer.cancel(invite, cancelUser, 'SIP;cause=480;text="Gone"');
    peers.clock.advance(0);
    const cancel = packets(peers, /^CANCEL /)[0] as SipRequest;
    expect(cancel.via.branch).toBe(invite.request.via.branch);
    expect(cancel.get('Reason')).toBe('SIP;cause=480;text="Gone"');
    expect(cancelUser.statuses).toEqual([200]);
    expect(inviteUser.statuses).toEqual([180, 487]);
    expect(peers.bob.cancels).toHaveLength(1);
    expect(peers.bob.requests.map((r) => r.request.method)).toEqual(['INVITE']);
    // §9.2: the CANCEL's 200 carries the same To tag as the INVITE's responses.
    const cancel200 = packets(peers, /^SIP\/2.0 200/)[0] as SipResponse;
    expect(cancel200.cseq.method).toBe('CANCEL');
    expect(cancel200.toTag).toBe('bobtag');
    const ack = packets(peers, /^ACK /)[0] as SipRequest;
    expect(ack.via.branch).toBe(invite.request.via.branch);
    expect(invite.state).toBe('completed');
  });

  it('does not let the 200 for a CANCEL complete the INVITE transaction (CSeq method differs)', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 180));
    const inviteUser = recorder();
    const invite = peers.alice.layer.sendRequest(requestTo(peers.bob, 'INVITE'), peers.bob.address, inviteUser) as InviteClientTransaction;
    peers.clock.advance(0);
    peers.alice.layer.cancel(invite, recorder());
    peers.clock.advance(0);
    expect(inviteUser.statuses).toEqual([180]);
    expect(invite.state).toBe('proceeding');
    (peers.bob.cancels[0]!.invite as InviteServerTransaction).respond(reply(peers.bob.cancels[0]!.invite, 487));
  });

  it('holds the CANCEL back until the first provisional response arrives (§9.1)', () => {
    peers = createLoopPeers();
    peers.bob.onCancel = (_cancel, invite) => invite.respond(reply(invite, 487));
    let bobTx: InviteServerTransaction | undefined;
    peers.bob.onRequest = (_req, tx) => (bobTx = tx as InviteServerTransaction);
    const inviteUser = recorder();
    const invite = peers.alice.layer.sendRequest(requestTo(peers.bob, 'INVITE'), peers.bob.address, inviteUser) as InviteClientTransaction;
    const cancelUser = recorder();
    peers.alice.layer.cancel(invite, cancelUser);
    peers.clock.advance(150);
    expect(peers.net.log.filter((p) => p.text.startsWith('CANCEL'))).toHaveLength(0);
    peers.clock.advance(50); // bob's automatic 100 Trying at 200 ms releases the CANCEL
    expect(sendTimes(peers.net, /^CANCEL /)).toEqual([200]);
    peers.clock.advance(0);
    expect(cancelUser.statuses).toEqual([200]);
    expect(inviteUser.statuses).toEqual([100, 487]);
    expect(bobTx?.state).toBe('confirmed');
  });

  it('sends no CANCEL when the INVITE gets its final response first', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 486));
    const invite = peers.alice.layer.sendRequest(requestTo(peers.bob, 'INVITE'), peers.bob.address, recorder()) as InviteClientTransaction;
    const cancelUser = recorder();
    peers.alice.layer.cancel(invite, cancelUser);
    peers.clock.advance(1000);
    expect(peers.net.log.filter((p) => p.text.startsWith('CANCEL'))).toHaveLength(0);
    expect(cancelUser.terminated).toBe(1);
    peers.alice.layer.cancel(invite, cancelUser); // already completed: nothing to cancel
    expect(cancelUser.terminated).toBe(2);
  });

  it('answers 481 to a CANCEL that matches no INVITE', () => {
    peers = createLoopPeers();
    const invite = requestTo(peers.bob, 'INVITE');
    invite.prepend('Via', 'SIP/2.0/UDP alice.loop:5060;branch=z9hG4bKnever-sent');
    const user = recorder();
    peers.alice.layer.sendRequest(buildCancel(invite), peers.bob.address, user);
    peers.clock.advance(0);
    expect(user.statuses).toEqual([481]);
    expect(peers.bob.cancels).toHaveLength(0);
  });

  it('answers 200 to a CANCEL after the final response and leaves the INVITE alone', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 200));
    const inviteUser = recorder();
    const invite = peers.alice.layer.sendRequest(requestTo(peers.bob, 'INVITE'), peers.bob.address, inviteUser) as InviteClientTransaction;
    peers.clock.advance(0);
    // alice's layer would not cancel an answered INVITE; a CANCEL that crossed the 200 on the
    // wire looks like this one, built by hand.
    const cancelUser = recorder();
    peers.alice.layer.sendRequest(buildCancel(invite.request), peers.bob.address, cancelUser);
    peers.clock.advance(0);
    expect(cancelUser.statuses).toEqual([200]);
    expect(peers.bob.cancels).toHaveLength(0);
    expect(inviteUser.statuses).toEqual([200]);
  });
});

describe('TransactionLayer: matching (RFC 3261 §17.1.3, §17.2.3)', () => {
  it('passes the ACK for a 2xx, which has its own branch, to the TU', async () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (_req, tx) => tx.respond(reply(tx, 200));
    const inviteUser = recorder();
    const request = requestTo(peers.bob, 'INVITE');
    peers.alice.layer.sendRequest(request, peers.bob.address, inviteUser);
    peers.clock.advance(0);
    const ack = createRequest({
      method: 'ACK',
      uri: request.uri,
      from: request.from,
      to: inviteUser.responses[0]!.to,
      callId: request.callId,
      cseq: request.cseq.seq,
    });
    await peers.alice.layer.sendAck(ack, peers.bob.address);
    peers.clock.advance(0);
    expect(peers.bob.acks).toHaveLength(1);
    expect(peers.bob.acks[0]!.via.branch).not.toBe(request.via.branch);
  });

  it('refuses to open a client transaction for ACK', () => {
    peers = createLoopPeers();
    expect(() => peers.alice.layer.sendRequest(requestTo(peers.bob, 'ACK'), peers.bob.address, recorder())).toThrow(ValidationError);
  });

  it('rejects a merged request (same From tag, Call-ID, CSeq; other branch; no To tag) with 482', () => {
    peers = createLoopPeers();
    const first = requestTo(peers.bob, 'INVITE', { callId: 'forked', fromTag: 'ft' });
    const second = requestTo(peers.bob, 'INVITE', { callId: 'forked', fromTag: 'ft' });
    const u1 = recorder();
    const u2 = recorder();
    peers.alice.layer.sendRequest(first, peers.bob.address, u1);
    peers.alice.layer.sendRequest(second, peers.bob.address, u2);
    peers.clock.advance(0);
    expect(peers.bob.requests).toHaveLength(1);
    expect(u2.statuses).toEqual([482]);
    expect(u1.statuses).toEqual([]);
    const tx = peers.bob.requests[0]!.tx;
    tx.respond(reply(tx, 486));
  });

  it('does not treat a request with a To tag as merged', () => {
    peers = createLoopPeers();
    const a = requestTo(peers.bob, 'INFO', { callId: 'd', fromTag: 'ft', toTag: 'tt' });
    const b = requestTo(peers.bob, 'INFO', { callId: 'd', fromTag: 'ft', toTag: 'tt' });
    peers.alice.layer.sendRequest(a, peers.bob.address, recorder());
    peers.alice.layer.sendRequest(b, peers.bob.address, recorder());
    peers.clock.advance(0);
    expect(peers.bob.requests).toHaveLength(2);
    for (const r of peers.bob.requests) r.tx.respond(reply(r.tx, 200));
  });

  it('matches a retransmission from an RFC 2543 peer (no magic cookie) to its transaction', () => {
    peers = createLoopPeers();
    const old = requestTo(peers.bob, 'OPTIONS');
    old.prepend('Via', 'SIP/2.0/UDP alice.loop:5060;branch=oldstyle1');
    const user = recorder();
    peers.alice.layer.sendRequest(old, peers.bob.address, user);
    peers.clock.advance(1_500);
    expect(sendTimes(peers.net, /^OPTIONS /)).toEqual([0, 500, 1500]);
    expect(peers.bob.requests).toHaveLength(1);
    expect(serverTransactionKey(peers.bob.requests[0]!.request)).toMatch(/^2543\|/);
    const tx = peers.bob.requests[0]!.tx;
    tx.respond(reply(tx, 200));
    peers.clock.advance(0);
    expect(user.statuses).toEqual([200]);
  });

  it('keys a server transaction by branch, sent-by and method, with ACK matching INVITE', () => {
    const at = (method: string, sentBy: string) => {
      const r = createRequest({
        method,
        uri: 'sip:bob@b',
        from: parseNameAddr('<sip:a@a>;tag=1'),
        to: parseNameAddr('<sip:bob@b>'),
        callId: 'c',
        cseq: 1,
      });
      r.prepend('Via', `SIP/2.0/UDP ${sentBy};branch=z9hG4bKsame`);
      return serverTransactionKey(r);
    };
    expect(at('ACK', 'a:5060')).toBe(at('INVITE', 'a:5060'));
    expect(at('CANCEL', 'a:5060')).not.toBe(at('INVITE', 'a:5060'));
    expect(at('INVITE', 'a:5070')).not.toBe(at('INVITE', 'a:5060'));
  });

  it('gives a response that matches no transaction to onStrayResponse', async () => {
    peers = createLoopPeers();
    const request = requestTo(peers.alice, 'OPTIONS');
    request.prepend('Via', 'SIP/2.0/UDP alice.loop:5060;branch=z9hG4bKnobody;rport');
    // alice's transport accepts responses only for sent-bys it has written (§18.1.2).
    peers.alice.layer.sendRequest(requestTo(peers.bob, 'OPTIONS'), peers.bob.address, recorder());
    // bob answers a request alice never sent, straight through his transport layer.
    await peers.bob.transport.sendResponse(createResponse(request, 200, undefined, { toTag: 'x' }), { protocol: 'udp', host: 'alice.loop', port: 5060 });
    peers.clock.advance(0);
    expect(peers.alice.strays.map((r) => r.via.branch)).toEqual(['z9hG4bKnobody']);
    const tx = peers.bob.requests[0]!.tx;
    tx.respond(reply(tx, 200));
  });

  it('disposes every transaction and its timers without notifying TUs', () => {
    peers = createLoopPeers();
    const user = recorder();
    peers.alice.layer.sendRequest(requestTo(peers.bob, 'INVITE'), peers.bob.address, user);
    peers.alice.layer.sendRequest(requestTo(peers.bob, 'OPTIONS'), peers.bob.address, user);
    peers.clock.advance(0);
    expect(peers.alice.layer.size).toEqual({ clients: 2, servers: 0 });
    expect(peers.bob.layer.size).toEqual({ clients: 0, servers: 2 });
    peers.alice.layer.dispose();
    peers.bob.layer.dispose();
    expect(peers.alice.layer.size).toEqual({ clients: 0, servers: 0 });
    expect(user.terminated).toBe(0);
    peers.clock.advance(0);
    expect(peers.clock.pendingTimers()).toBe(0);
  });
});

describe('TransactionLayer: a failing TU', () => {
  it('answers 500 when the TU throws on a new request, and 400 naming a lazily found header fault', () => {
    peers = createLoopPeers();
    peers.bob.onRequest = (req) => {
      if (req.method === 'OPTIONS') throw new Error('TU bug');
      void req.contacts; // parses Contact on first use
    };
    const u1 = recorder();
    peers.alice.layer.sendRequest(requestTo(peers.bob, 'OPTIONS'), peers.bob.address, u1);
    const bad = requestTo(peers.bob, 'MESSAGE');
    bad.append('Contact', '<sip:broken');
    const u2 = recorder();
    peers.alice.layer.sendRequest(bad, peers.bob.address, u2);
    peers.clock.advance(0);
    expect(u1.statuses).toEqual([500]);
    expect(u2.statuses).toEqual([400]);
    expect(u2.responses[0]!.reason).toMatch(/Contact/);
  });
});
