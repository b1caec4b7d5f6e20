import { afterEach, describe, expect, it } from 'vitest';
import { METHODS, STATUS, parseNameAddr, type SipRequest } from '../sip';
import { createDialogPeers, establish, type DialogPeers } from '../../test/support/dialog-fixture';
import { recorder, requestTo } from '../../test/support/transaction-fixture';
import type { Dialog } from './dialog';
import type { DialogRequestOptions } from './dialog';

/**
 * Dialogs between alice and bob over the loop network in virtual time (RFC 3261 §12, §13.2.2.4,
 * §15): creation on both sides, route sets and request construction for loose and strict
 * routing, CSeq rules, target refresh, BYE in both directions, 481 for an unknown dialog.
 */
let p: DialogPeers;

afterEach(async () => {
  await p.dispose();
});

/** Sends `method` in `dialog` from `from`'s layer and returns the final status. */
async function send(from: DialogPeers['a'], dialog: Dialog, method: string, o: DialogRequestOptions = {}): Promise<{ status: number; request: SipRequest }> {
  const r = recorder();
  const tx = await from.layer.sendRequest(dialog, method, o, r);
  await p.clock.tick(10);
  return { status: r.statuses.at(-1) ?? 0, request: tx.request };
}

/** Lets every transaction run out (Timer M/L/J/K), then checks nothing is left scheduled. */
async function settle(): Promise<void> {
  await p.clock.tick(40_000);
  expect(p.clock.pendingTimers()).toBe(0);
}

/** The last packet on the wire whose start line matches. */
const wire = (pattern: RegExp) => p.net.log.filter((x) => pattern.test(x.text)).at(-1)!;
const routeLines = (text: string) => text.split('\r\n').filter((l) => l.startsWith('Route:'));

describe('Dialog (RFC 3261 §12) between alice and bob', () => {
  it('alice and bob establish one dialog with INVITE/200/ACK: same Call-ID, swapped tags, bob hears the ACK', async () => {
    p = createDialogPeers();
    const { invite, alice, bob, outcomes } = await establish(p);
    expect(outcomes.map((o) => o.kind)).toEqual(['confirmed']);
    expect(alice.state).toBe('confirmed');
    expect(bob.state).toBe('confirmed');
    expect(alice.role).toBe('uac');
    expect(bob.role).toBe('uas');
    expect(alice.id).toEqual({ callId: invite.callId, localTag: invite.fromTag, remoteTag: bob.localTag });
    expect(bob.id).toEqual({ callId: invite.callId, localTag: alice.remoteTag, remoteTag: alice.localTag });
    expect([alice.localUri.toString(), alice.remoteUri.toString()]).toEqual(['<sip:alice@alice.loop>', '<sip:bob@bob.loop>']);
    expect([bob.localUri.toString(), bob.remoteUri.toString()]).toEqual(['<sip:bob@bob.loop>', '<sip:alice@alice.loop>']);
    expect(alice.remoteTarget.toString()).toBe('sip:bob@bob.loop');
    expect(bob.remoteTarget.toString()).toBe('sip:alice@alice.loop');
    expect([alice.localCseq, alice.remoteCseq, bob.localCseq, bob.remoteCseq]).toEqual([1, undefined, undefined, 1]);
    expect([alice.ownsCallId, bob.ownsCallId, alice.secure]).toEqual([true, false, false]);
    // §13.2.2.4: the ACK reuses the INVITE's CSeq number and goes to the remote target.
    const ack = wire(/^ACK /).text;
    expect(ack).toMatch(/^ACK sip:bob@bob\.loop SIP\/2\.0/);
    expect(ack).toMatch(/CSeq: 1 ACK/);
    expect(p.b.layer.table.get(bob.id)).toBe(bob);
    expect(p.a.layer.table.get(alice.id)).toBe(alice);
    const bobUser = bob.user as unknown as { acks: unknown[] };
    expect(bobUser.acks).toHaveLength(1);
    await settle();
  });

  it('computes route sets from Record-Route and routes alice’s BYE through loose routers: Request-URI = bob’s Contact, Route = p1, p2', async () => {
    p = createDialogPeers();
    // alice → p1 → p2 → bob: p2, the proxy nearest bob, is the topmost Record-Route.
    const { alice, bob } = await establish(p, { recordRoute: ['<sip:p2.example;lr>', '<sip:p1.example;lr>'] });
    expect(bob.routeSet.map(String)).toEqual(['<sip:p2.example;lr>', '<sip:p1.example;lr>']);
    expect(alice.routeSet.map(String)).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    // The ACK already followed the route set.
    expect(wire(/^ACK /).text).toMatch(/Route: <sip:p1\.example;lr>\r\nRoute: <sip:p2\.example;lr>/);
    const { status } = await send(p.a, alice, METHODS.BYE);
    expect(status).toBe(STATUS.OK);
    const bye = wire(/^BYE /).text;
    expect(bye).toMatch(/^BYE sip:bob@bob\.loop SIP\/2\.0/);
    expect(routeLines(bye)).toEqual(['Route: <sip:p1.example;lr>', 'Route: <sip:p2.example;lr>']);
    expect(bye).toMatch(/CSeq: 2 BYE/);
    expect(p.a.resolved.at(-1)).toBe('p1.example');
    // §15: both sides end the dialog and forget it.
    expect([alice.state, bob.state]).toEqual(['terminated', 'terminated']);
    expect([p.a.layer.table.size, p.b.layer.table.size]).toEqual([0, 0]);
    expect((bob.user as unknown as { requests: SipRequest[] }).requests.map((r) => r.method)).toEqual(['BYE']);
    await settle();
  });

  it('sends bob’s BYE through a strict first route: Request-URI = that route, Route = the rest then alice’s Contact', async () => {
    p = createDialogPeers();
    // alice → p1 (loose) → p2 (strict, RFC 2543) → bob.
    const { alice, bob } = await establish(p, { recordRoute: ['<sip:p2.example>', '<sip:p1.example;lr>'] });
    expect(bob.routeSet.map(String)).toEqual(['<sip:p2.example>', '<sip:p1.example;lr>']);
    const { status } = await send(p.b, bob, METHODS.BYE);
    expect(status).toBe(STATUS.OK);
    const bye = wire(/^BYE /).text;
    expect(bye).toMatch(/^BYE sip:p2\.example SIP\/2\.0/);
    expect(routeLines(bye)).toEqual(['Route: <sip:p1.example;lr>', 'Route: <sip:alice@alice.loop>']);
    expect(p.b.resolved.at(-1)).toBe('p2.example');
    // bob's first request in the dialog picks his first local CSeq; alice takes it as remote CSeq.
    expect(alice.remoteCseq).toBe(bob.localCseq);
    expect([alice.state, bob.state]).toEqual(['terminated', 'terminated']);
    expect((alice.user as unknown as { requests: SipRequest[] }).requests.map((r) => r.method)).toEqual(['BYE']);
    await settle();
  });

  it('increments the local CSeq for each new request and reuses the re-INVITE’s CSeq in its ACK', async () => {
    p = createDialogPeers();
    const { alice, bob } = await establish(p);
    expect((await send(p.a, alice, METHODS.INFO)).request.cseq).toEqual({ seq: 2, method: 'INFO' });
    expect(bob.remoteCseq).toBe(2);
    expect((await send(p.a, alice, METHODS.INFO)).request.cseq).toEqual({ seq: 3, method: 'INFO' });
    expect(bob.remoteCseq).toBe(3);
    const reinvite = await send(p.a, alice, METHODS.INVITE, { body: 'v=0\r\n', contentType: 'application/sdp' });
    expect(reinvite.status).toBe(STATUS.OK);
    expect(reinvite.request.cseq.seq).toBe(4);
    expect(reinvite.request.get('Contact')).toBe('<sip:alice@alice.loop>');
    const sent = await p.a.layer.sendAck(alice, 4);
    expect(sent.request.cseq).toEqual({ seq: 4, method: 'ACK' });
    expect(alice.localCseq).toBe(4);
    await p.clock.tick(10);
    expect((bob.user as unknown as { acks: unknown[] }).acks).toHaveLength(2);
    expect((await send(p.a, alice, METHODS.BYE)).request.cseq.seq).toBe(5);
    await settle();
  });

  it('bob answers 500 to a request whose CSeq is not above the last one, and keeps his remote CSeq', async () => {
    p = createDialogPeers();
    const { alice, bob } = await establish(p);
    await send(p.a, alice, METHODS.INFO); // CSeq 2
    const stale = alice.createRequest(METHODS.INFO);
    stale.request.cseq = { seq: 2, method: METHODS.INFO };
    const r = recorder();
    p.a.peer.layer.sendRequest(stale.request, await stale.destination(), r);
    await p.clock.tick(10);
    expect(r.statuses).toEqual([STATUS.SERVER_INTERNAL_ERROR]);
    expect(bob.remoteCseq).toBe(2);
    expect(bob.state).toBe('confirmed');
    expect((bob.user as unknown as { requests: SipRequest[] }).requests).toHaveLength(1);
    // A check on the dialog itself: lower is out of order too; ACK and CANCEL are exempt.
    const lower = alice.createRequest(METHODS.INFO).request;
    lower.cseq = { seq: 1, method: METHODS.INFO };
    expect(bob.receiveRequest(lower)).toEqual({ ok: false, status: 500, reason: 'Request Out Of Order' });
    const ack = alice.createAck(1).request;
    expect(bob.receiveRequest(ack)).toEqual({ ok: true });
    await settle();
  });

  it('refreshes the remote target from a re-INVITE bob sends and from the 2xx to alice’s UPDATE', async () => {
    p = createDialogPeers();
    const { alice, bob } = await establish(p);
    // bob moves: his re-INVITE carries a new Contact (§12.2.2 target refresh on the request).
    bob.localContact = parseNameAddr('<sip:bob@bob-new.example:5080>');
    const reinvite = await send(p.b, bob, METHODS.INVITE, { body: 'v=0\r\n', contentType: 'application/sdp' });
    expect(reinvite.status).toBe(STATUS.OK);
    expect(alice.remoteTarget.toString()).toBe('sip:bob@bob-new.example:5080');
    // The 2xx to bob's re-INVITE carried alice's Contact: his target stays (same URI).
    expect(bob.remoteTarget.toString()).toBe('sip:alice@alice.loop');
    expect((await send(p.a, alice, METHODS.INFO)).request.uri.toString()).toBe('sip:bob@bob-new.example:5080');
    expect(p.a.resolved.at(-1)).toBe('bob-new.example');
    // §12.2.1.2: the 2xx to alice's UPDATE names a newer Contact.
    (bob.user as unknown as { contact: unknown }).contact = parseNameAddr('<sip:bob@bob-3.example>');
    expect((await send(p.a, alice, METHODS.UPDATE)).status).toBe(STATUS.OK);
    expect(alice.remoteTarget.toString()).toBe('sip:bob@bob-3.example');
    // A non-refresh request's Contact does not move the target.
    await send(p.b, bob, METHODS.INFO, { contact: parseNameAddr('<sip:bob@ignored.example>') });
    expect(alice.remoteTarget.toString()).toBe('sip:bob@bob-3.example');
    await settle();
  });

  it('answers 481 to a request for a dialog it does not know, and drops an ACK for no dialog', async () => {
    p = createDialogPeers();
    const { alice } = await establish(p);
    const unknown = requestTo(p.bob, METHODS.INFO, { callId: alice.callId, fromTag: alice.localTag, toTag: 'not-bobs-tag', cseq: 7 });
    expect(p.b.layer.matches(unknown)).toBe(false);
    const r = recorder();
    p.a.peer.layer.sendRequest(unknown, p.bob.address, r);
    await p.clock.tick(10);
    expect(r.statuses).toEqual([STATUS.CALL_TRANSACTION_DOES_NOT_EXIST]);
    const strayAck = requestTo(p.bob, METHODS.ACK, { toTag: 'nobody' });
    expect(p.b.layer.receiveAck(strayAck, p.alice.address)).toBe(false);
    // An out-of-dialog request (no To tag) is left to the caller.
    expect(p.b.layer.matches(requestTo(p.bob, METHODS.OPTIONS))).toBe(false);
    await settle();
  });

  it('refuses requests that cannot be built: ACK/CANCEL through createRequest, a re-INVITE without Contact, anything after termination', async () => {
    p = createDialogPeers();
    const { alice, bob } = await establish(p);
    expect(() => alice.createRequest(METHODS.ACK)).toThrow(/createAck/);
    expect(() => alice.createRequest(METHODS.CANCEL)).toThrow(/cancel/);
    bob.localContact = undefined;
    expect(() => bob.createRequest(METHODS.INVITE)).toThrow(expect.objectContaining({ code: 'validation' }));
    alice.terminate();
    expect(() => alice.createRequest(METHODS.INFO)).toThrow(expect.objectContaining({ code: 'state.invalid' }));
    expect(p.a.layer.table.size).toBe(0);
    bob.terminate();
    await settle();
  });
});
