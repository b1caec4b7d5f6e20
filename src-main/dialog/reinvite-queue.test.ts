import { afterEach, describe, expect, it } from 'vitest';
import { METHODS, STATUS, createResponse, type SipRequest } from '../sip';
import { FakeClock } from '../../test/support/fake-clock';
import { createDialogPeers, establish, SDP, type DialogPeer, type DialogPeers } from '../../test/support/dialog-fixture';
import type { Dialog } from './dialog';
import { ReinviteQueue, glareRetryDelay } from './reinvite-queue';

/** A promise with its resolver, for hand-driven attempts. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('glareRetryDelay (RFC 3261 §14.1)', () => {
  it('waits 2.1–4 s in 10 ms steps when we own the Call-ID and 0–2 s otherwise', () => {
    expect([0, 0.5, 0.999999999].map((r) => glareRetryDelay(true, () => r))).toEqual([2100, 3050, 4000]);
    expect([0, 0.5, 0.999999999].map((r) => glareRetryDelay(false, () => r))).toEqual([0, 1000, 2000]);
    for (let i = 0; i < 200; i++) {
      const owner = glareRetryDelay(true);
      const other = glareRetryDelay(false);
      expect(owner % 10 === 0 && owner >= 2100 && owner <= 4000).toBe(true);
      expect(other % 10 === 0 && other >= 0 && other <= 2000).toBe(true);
    }
  });
});

describe('ReinviteQueue: one offer/answer exchange at a time (RFC 3261 §14)', () => {
  it('runs queued local re-INVITEs one after the other', async () => {
    const clock = new FakeClock();
    const q = new ReinviteQueue({ clock, ownsCallId: true });
    const first = deferred<{ status: number }>();
    const second = deferred<{ status: number }>();
    const started: string[] = [];
    const r1 = q.enqueue(() => (started.push('first'), first.promise));
    const r2 = q.enqueue(() => (started.push('second'), second.promise));
    expect([started, q.pending, q.state]).toEqual([['first'], 2, 'sending']);
    first.resolve({ status: 200 });
    await flush();
    expect(started).toEqual(['first', 'second']);
    second.resolve({ status: 488 });
    expect([await r1, await r2]).toEqual([{ status: 200 }, { status: 488 }]);
    expect([q.state, q.pending, q.isBusy]).toEqual(['idle', 0, false]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('answers 491 to an incoming re-INVITE while ours is outstanding, and 500 with Retry-After 0–10 s to a second incoming one', async () => {
    const clock = new FakeClock();
    const q = new ReinviteQueue({ clock, ownsCallId: false, random: () => 0.75 });
    const ours = deferred<{ status: number }>();
    const done = q.enqueue(() => ours.promise);
    expect(q.admitIncoming()).toEqual({ ok: false, status: STATUS.REQUEST_PENDING });
    ours.resolve({ status: 200 });
    await done;
    const admitted = q.admitIncoming();
    expect(admitted.ok).toBe(true);
    expect(q.admitIncoming()).toEqual({ ok: false, status: STATUS.SERVER_INTERNAL_ERROR, retryAfter: 8 });
    if (admitted.ok) admitted.done();
    expect(q.admitIncoming().ok).toBe(true);
  });

  it('holds a local re-INVITE back while an incoming one is unanswered', async () => {
    const clock = new FakeClock();
    const q = new ReinviteQueue({ clock, ownsCallId: true });
    const incoming = q.admitIncoming();
    let ran = false;
    const done = q.enqueue(() => ((ran = true), Promise.resolve({ status: 200 })));
    await flush();
    expect(ran).toBe(false);
    if (incoming.ok) incoming.done();
    expect(await done).toEqual({ status: 200 });
    expect(ran).toBe(true);
  });

  it('gives the 491 back after maxRetries, and dispose rejects what is queued and cancels the retry timer', async () => {
    const clock = new FakeClock();
    const q = new ReinviteQueue({ clock, ownsCallId: false, random: () => 0, maxRetries: 2 });
    let attempts = 0;
    const glare = q.enqueue(() => (attempts++, Promise.resolve({ status: STATUS.REQUEST_PENDING })));
    await clock.tick(0);
    await clock.tick(0);
    expect(await glare).toEqual({ status: STATUS.REQUEST_PENDING });
    expect(attempts).toBe(3);
    const q2 = new ReinviteQueue({ clock, ownsCallId: true, random: () => 0 });
    const backingOff = q2.enqueue(() => Promise.resolve({ status: STATUS.REQUEST_PENDING }));
    const queued = q2.enqueue(() => Promise.resolve({ status: 200 }));
    await flush();
    expect([q2.state, clock.pendingTimers()]).toEqual(['backoff', 1]);
    q2.dispose();
    await expect(backingOff).rejects.toMatchObject({ code: 'state.invalid' });
    await expect(queued).rejects.toMatchObject({ code: 'state.invalid' });
    await expect(q2.enqueue(() => Promise.resolve({ status: 200 }))).rejects.toMatchObject({ code: 'state.invalid' });
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('re-INVITE glare between alice and bob (RFC 3261 §14.1)', () => {
  let p: DialogPeers;
  afterEach(async () => {
    await p.dispose();
  });

  /** Wires a side: its queue admits incoming re-INVITEs (491 while busy) and runs its own. */
  function side(peer: DialogPeer, dialog: Dialog, random: number) {
    const queue = new ReinviteQueue({ clock: p.clock, ownsCallId: dialog.ownsCallId, random: () => random });
    const answered: number[] = [];
    let finishIncoming: (() => void) | undefined;
    dialog.user = {
      onRequest: (req: SipRequest, tx) => {
        if (req.method !== METHODS.INVITE) return;
        const admission = queue.admitIncoming();
        if (!admission.ok) {
          answered.push(admission.status);
          tx.respond(createResponse(req, admission.status));
          return;
        }
        finishIncoming = admission.done;
        answered.push(STATUS.OK);
        tx.respond(createResponse(req, STATUS.OK, undefined, { headers: [['Contact', peer.contact.toString()]], body: SDP, contentType: 'application/sdp' }));
      },
      // §14.2: the exchange ends with the ACK of our 2xx.
      onAck: () => finishIncoming?.(),
    };
    const reinvite = () =>
      queue.enqueue(
        () =>
          new Promise<{ status: number }>((resolve) => {
            void peer.layer.sendRequest(dialog, METHODS.INVITE, { body: SDP, contentType: 'application/sdp' }, {
              receiveResponse: (res) => {
                if (res.status < 200) return;
                if (res.status < 300) void peer.layer.sendAck(dialog, res.cseq.seq);
                resolve({ status: res.status });
              },
            });
          }),
      );
    return { queue, answered, reinvite };
  }

  it('both get 491, bob (not the Call-ID owner) retries after 0–2 s, alice (owner) after 2.1–4 s, and both re-INVITEs then succeed', async () => {
    p = createDialogPeers();
    const { alice, bob } = await establish(p);
    const a = side(p.a, alice, 0.5); // 3050 ms
    const b = side(p.b, bob, 0.5); // 1000 ms
    const t0 = p.clock.now();
    const aliceDone = a.reinvite();
    const bobDone = b.reinvite();
    await p.clock.tick(5_000);
    expect(await aliceDone).toEqual({ status: STATUS.OK });
    expect(await bobDone).toEqual({ status: STATUS.OK });
    const inviteTimes = (from: string) => p.net.log.filter((x) => x.from.host === from && x.sentAt >= t0 && /^INVITE /.test(x.text)).map((x) => x.sentAt - t0);
    expect(inviteTimes('alice.loop')).toEqual([0, 3050]);
    expect(inviteTimes('bob.loop')).toEqual([0, 1000]);
    expect(a.answered).toEqual([STATUS.REQUEST_PENDING, STATUS.OK]);
    expect(b.answered).toEqual([STATUS.REQUEST_PENDING, STATUS.OK]);
    // The 491s were ACKed by the transaction layers; the 200s by the dialogs, with the re-INVITE's CSeq.
    const acks = p.net.log.filter((x) => /^ACK /.test(x.text) && x.sentAt >= t0).map((x) => Number(/CSeq: (\d+) ACK/.exec(x.text)![1]));
    const bobFirst = bob.localCseq! - 1;
    expect(acks.sort((x, y) => x - y)).toEqual([2, 3, bobFirst, bobFirst + 1].sort((x, y) => x - y));
    expect(alice.localCseq).toBe(3);
    expect([a.queue.state, b.queue.state, a.queue.isBusy, b.queue.isBusy]).toEqual(['idle', 'idle', false, false]);
    await p.clock.tick(40_000);
    alice.terminate();
    bob.terminate();
    expect(p.clock.pendingTimers()).toBe(0);
  });
});
