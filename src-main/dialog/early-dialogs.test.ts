import { afterEach, describe, expect, it } from 'vitest';
import { STATUS, createResponse, type SipRequest, type SipResponse } from '../sip';
import type { ServerTransaction } from '../transaction/transaction-layer';
import { createDialogPeers, dialogRecorder, inviteFromAlice, type DialogPeers } from '../../test/support/dialog-fixture';
import type { Dialog } from './dialog';
import type { InviteDialogs, InviteResponseOutcome } from './early-dialogs';

/**
 * Forking (RFC 3261 §12.1.2, §13.2.2.3, §13.2.2.4): bob plays two forks of alice's INVITE,
 * `fork1` and `fork2`, each with its own To tag and Contact (sip:bob@forkN.example), answering
 * through one server transaction as a forking proxy would relay them.
 */
let p: DialogPeers;

afterEach(async () => {
  await p.dispose();
});

interface Forked {
  readonly invite: SipRequest;
  readonly collector: InviteDialogs;
  readonly outcomes: InviteResponseOutcome[];
  /** bob's UAS dialogs per fork tag, and the server transaction. */
  readonly bob: Map<string, Dialog>;
  tx(): ServerTransaction;
  respond(status: number, tag: string): SipResponse;
}

async function forkedInvite(): Promise<Forked> {
  const { a, b } = p;
  const bob = new Map<string, Dialog>();
  let ist: ServerTransaction | undefined;
  let request: SipRequest | undefined;
  b.outOfDialog = (req, tx) => {
    ist = tx;
    request = req;
    for (const tag of ['fork1', 'fork2']) {
      const ringing = createResponse(req, STATUS.RINGING, undefined, { toTag: tag, headers: [['Contact', `<sip:bob@${tag}.example>`]] });
      const d = b.layer.createUas(req, ringing, { localContact: b.contact });
      d.user = dialogRecorder(b.contact);
      bob.set(tag, d);
      tx.respond(ringing);
    }
  };
  const invite = inviteFromAlice(a, b);
  const collector = a.layer.forInvite(invite, { localContact: a.contact });
  const outcomes: InviteResponseOutcome[] = [];
  a.peer.layer.sendRequest(invite, b.peer.address, {
    receiveResponse: (res) => {
      const out = collector.receiveResponse(res);
      outcomes.push(out);
      if (out.kind === 'confirmed') void collector.acknowledge(out.dialog);
    },
    onTerminated: () => collector.transactionTerminated(),
  });
  await p.clock.tick(10);
  return {
    invite,
    collector,
    outcomes,
    bob,
    tx: () => ist!,
    respond(status, tag) {
      const res = createResponse(request!, status, undefined, { toTag: tag, headers: [['Contact', `<sip:bob@${tag}.example>`]] });
      bob.get(tag)?.responded(res);
      ist!.respond(res);
      return res;
    },
  };
}

const sentLines = (pattern: RegExp) => p.net.log.filter((x) => pattern.test(x.text)).map((x) => x.text.split('\r\n')[0]!);
const toTagOf = (text: string) => /\r\nTo: [^\r]*;tag=([^;\r]+)/.exec(text)?.[1];

describe('InviteDialogs: the dialogs of one forked INVITE (RFC 3261 §13.2.2.4)', () => {
  it('opens an early dialog per To tag, confirms the first 2xx’s, and ACKs then BYEs a second fork’s 2xx', async () => {
    p = createDialogPeers();
    const f = await forkedInvite();
    expect(f.outcomes.map((o) => o.kind)).toEqual(['provisional', 'provisional']);
    expect(f.collector.early.map((d) => d.remoteTag)).toEqual(['fork1', 'fork2']);
    expect(f.collector.early.map((d) => d.remoteTarget.toString())).toEqual(['sip:bob@fork1.example', 'sip:bob@fork2.example']);
    expect(p.a.layer.table.size).toBe(2);

    f.respond(STATUS.OK, 'fork1');
    await p.clock.tick(10);
    const confirmed = f.collector.confirmed!;
    expect(f.outcomes.at(-1)).toMatchObject({ kind: 'confirmed', isNew: false });
    expect([confirmed.remoteTag, confirmed.state]).toEqual(['fork1', 'confirmed']);
    expect(f.collector.early.map((d) => d.remoteTag)).toEqual(['fork2']);

    f.respond(STATUS.OK, 'fork2');
    await p.clock.tick(10);
    await f.collector.settled();
    await p.clock.tick(10);
    expect(f.outcomes.at(-1)).toMatchObject({ kind: 'extra-fork', isNew: false });
    // Both 2xx were ACKed, each at its own fork; then the second fork got a BYE.
    const acks = p.net.log.filter((x) => /^ACK /.test(x.text));
    expect(acks.map((x) => [x.text.split('\r\n')[0], toTagOf(x.text)])).toEqual([
      ['ACK sip:bob@fork1.example SIP/2.0', 'fork1'],
      ['ACK sip:bob@fork2.example SIP/2.0', 'fork2'],
    ]);
    expect(acks.every((x) => /CSeq: 1 ACK/.test(x.text))).toBe(true);
    expect(sentLines(/^BYE /)).toEqual(['BYE sip:bob@fork2.example SIP/2.0']);
    expect(toTagOf(p.net.log.find((x) => /^BYE /.test(x.text))!.text)).toBe('fork2');
    expect(sentLines(/^SIP\/2\.0 200 OK[\s\S]*CSeq: \d+ BYE/)).toHaveLength(1);
    // alice keeps fork1 only; bob's fork2 heard ACK then BYE and is gone, fork1 heard its ACK.
    expect(p.a.layer.table.all().map((d) => [d.remoteTag, d.state])).toEqual([['fork1', 'confirmed']]);
    expect(f.bob.get('fork2')!.state).toBe('terminated');
    expect((f.bob.get('fork2')!.user as unknown as { acks: unknown[]; requests: SipRequest[] }).acks).toHaveLength(1);
    expect((f.bob.get('fork2')!.user as unknown as { requests: SipRequest[] }).requests.map((r) => r.method)).toEqual(['BYE']);
    expect((f.bob.get('fork1')!.user as unknown as { acks: unknown[] }).acks).toHaveLength(1);

    // A retransmitted 2xx of the answered fork gets the same ACK again (§13.2.2.4).
    f.respond(STATUS.OK, 'fork1');
    await p.clock.tick(10);
    expect(f.outcomes.at(-1)).toMatchObject({ kind: 'retransmission' });
    expect(sentLines(/^ACK sip:bob@fork1/)).toHaveLength(2);

    await p.clock.tick(40_000);
    confirmed.terminate();
    f.bob.get('fork1')!.terminate();
    expect(p.clock.pendingTimers()).toBe(0);
  });

  it('terminates the forks that stayed early when the INVITE transaction completes (Timer M, 64·T1 after the 2xx)', async () => {
    p = createDialogPeers();
    const f = await forkedInvite();
    f.respond(STATUS.OK, 'fork1');
    await p.clock.tick(10);
    const fork2 = f.collector.early[0]!;
    expect(fork2.remoteTag).toBe('fork2');
    await p.clock.tick(31_000);
    expect(fork2.state).toBe('early');
    await p.clock.tick(1_000);
    expect(fork2.state).toBe('terminated');
    expect(f.collector.confirmed!.state).toBe('confirmed');
    expect(p.a.layer.table.all().map((d) => d.remoteTag)).toEqual(['fork1']);
    // A late 180 from a new fork opens nothing now.
    expect(f.collector.receiveResponse(createResponse(f.invite, STATUS.RINGING, undefined, { toTag: 'fork3' })).kind).toBe('ignored');
    await p.clock.tick(10_000);
    p.a.layer.dispose();
    p.b.layer.dispose();
    expect(p.clock.pendingTimers()).toBe(0);
  });

  it('terminates every early dialog on a 3xx–6xx final response (§13.2.2.3)', async () => {
    p = createDialogPeers();
    const f = await forkedInvite();
    const early = f.collector.early;
    f.respond(STATUS.BUSY_HERE, 'fork1');
    await p.clock.tick(10);
    expect(f.outcomes.at(-1)).toMatchObject({ kind: 'failed', status: STATUS.BUSY_HERE });
    expect(early.map((d) => d.state)).toEqual(['terminated', 'terminated']);
    expect(p.a.layer.table.size).toBe(0);
    // The transaction layer ACKed the 486 itself (§17.1.1.3).
    expect(sentLines(/^ACK /)).toEqual(['ACK sip:bob@bob.loop SIP/2.0']);
    expect(f.bob.get('fork1')!.state).toBe('terminated');
    await p.clock.tick(40_000);
    p.b.layer.dispose();
    expect(p.clock.pendingTimers()).toBe(0);
  });

  it('ignores a 100 and a 1xx without To tag, and opens a confirmed dialog for a 2xx that had no early one', async () => {
    p = createDialogPeers();
    const invite = inviteFromAlice(p.a, p.b);
    const collector = p.a.layer.forInvite(invite, { localContact: p.a.contact });
    expect(collector.receiveResponse(createResponse(invite, STATUS.TRYING))).toEqual({ kind: 'provisional', dialog: undefined, isNew: false });
    expect(collector.receiveResponse(createResponse(invite, STATUS.RINGING))).toEqual({ kind: 'provisional', dialog: undefined, isNew: false });
    const ok = createResponse(invite, STATUS.OK, undefined, { toTag: 'solo', headers: [['Contact', '<sip:bob@solo.example>']] });
    const out = collector.receiveResponse(ok);
    expect(out).toMatchObject({ kind: 'confirmed', isNew: true });
    expect(collector.confirmed?.state).toBe('confirmed');
    expect(collector.confirmed?.remoteTarget.toString()).toBe('sip:bob@solo.example');
    p.a.layer.dispose();
    expect(p.clock.pendingTimers()).toBe(0);
  });

  it('recomputes an early dialog’s route set and target from the 2xx that confirms it', () => {
    p = createDialogPeers();
    const invite = inviteFromAlice(p.a, p.b);
    const collector = p.a.layer.forInvite(invite, { localContact: p.a.contact });
    const ringing = createResponse(invite, STATUS.RINGING, undefined, { toTag: 'b', headers: [['Contact', '<sip:bob@early.example>'], ['Record-Route', '<sip:p1.example;lr>']] });
    const early = collector.receiveResponse(ringing);
    expect(early.kind === 'provisional' && early.dialog?.routeSet.map(String)).toEqual(['<sip:p1.example;lr>']);
    const ok = createResponse(invite, STATUS.OK, undefined, { toTag: 'b', headers: [['Contact', '<sip:bob@final.example>'], ['Record-Route', '<sip:p2.example;lr>, <sip:p1.example;lr>']] });
    const out = collector.receiveResponse(ok);
    expect(out.kind).toBe('confirmed');
    const dialog = collector.confirmed!;
    expect(dialog.routeSet.map(String)).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    expect(dialog.remoteTarget.toString()).toBe('sip:bob@final.example');
    p.a.layer.dispose();
    expect(p.clock.pendingTimers()).toBe(0);
  });
});
