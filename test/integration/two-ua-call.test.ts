/**
 * Two Parley user agents, alice and bob, call each other directly over UDP on 127.0.0.1 with
 * the real stack, dialogs, SDP negotiation and media engines (no devices: silence flows).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SipRequest, SipResponse } from '../../src-main/sip';
import { UserAgent } from '../../src-main/ua/user-agent';
import { trackCalls } from '../support/call-tracker';
import { captureOutput } from '../support/capture-output';
import { toneAmplitude } from '../support/signal';

let alice: UserAgent;
let bob: UserAgent;
let bobUri: string;

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const track = trackCalls;

beforeEach(async () => {
  alice = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], callPreferences: { srtp: 'mandatory', codecs: ['PCMU'] } });
  bob = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], callPreferences: { srtp: 'optional' } });
  bobUri = `sip:bob@127.0.0.1:${bob.stack.localAddress('udp').port}`;
});
afterEach(async () => {
  await alice.shutdown(500);
  await bob.shutdown(500);
});

describe('alice calls bob directly (RFC 3261 §13)', () => {
  it("bob's call rings, he answers, both are established with SRTP, and alice's hangup ends both", async () => {
    const a = track(alice);
    const b = track(bob);
    const call = alice.dial(bobUri);
    const ringing = await until('bob to ring', () => b.incoming[0]);
    expect(ringing.direction).toBe('incoming');
    await until('alice to hear ringing', () => (a.last(call.id)?.state === 'ringing' ? true : undefined));
    await bob.calls.answer(ringing.id);
    await until('alice established', () => (a.last(call.id)?.state === 'established' ? true : undefined));
    await until('bob established', () => (b.last(ringing.id)?.state === 'established' ? true : undefined));
    expect(a.last(call.id)).toMatchObject({ secure: true, codec: 'PCMU/8000' });
    expect(b.last(ringing.id)).toMatchObject({ secure: true, codec: 'PCMU/8000' });

    await alice.calls.hangup(call.id);
    const aliceEnd = await until('alice ended', () => a.ended[0]);
    const bobEnd = await until('bob ended', () => b.ended[0]);
    expect(aliceEnd.end).toMatchObject({ cause: 'completed', by: 'local' });
    expect(bobEnd.end).toMatchObject({ cause: 'completed', by: 'remote' });
  });

  it('alice holds and resumes; bob sees the remote hold come and go', async () => {
    const a = track(alice);
    const b = track(bob);
    bob.autoAnswer = true;
    const call = alice.dial(bobUri);
    await until('alice established', () => (a.last(call.id)?.state === 'established' ? true : undefined));
    const bobCall = await until('bob call', () => b.incoming[0]);
    expect(await alice.calls.get(call.id).hold()).toBe(true);
    expect(a.last(call.id)?.state).toBe('held');
    await until('bob to see hold', () => (b.last(bobCall.id)?.remoteHold ? true : undefined));
    expect(await alice.calls.get(call.id).resume()).toBe(true);
    expect(a.last(call.id)?.state).toBe('established');
    await until('bob to see resume', () => (b.last(bobCall.id)?.remoteHold === false ? true : undefined));
    await bob.calls.hangup(bobCall.id);
    expect((await until('alice ended', () => a.ended[0])).end).toMatchObject({ cause: 'completed', by: 'remote' });
  });

  it('alice sends DTMF as RFC 4733 telephone-events and bob receives each digit', async () => {
    const a = track(alice);
    const digits: string[] = [];
    bob.on('call.dtmf', (d) => digits.push(d.digit));
    bob.autoAnswer = true;
    const call = alice.dial(bobUri);
    await until('alice established', () => (a.last(call.id)?.state === 'established' ? true : undefined));
    await alice.calls.get(call.id).sendDtmf('5#9', 100);
    await until('bob to receive three digits', () => (digits.length >= 3 ? true : undefined));
    expect(digits).toEqual(['5', '#', '9']);
  });

  it('call waiting: answering a second call puts the first on hold', async () => {
    const carol = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] });
    try {
      const b = track(bob);
      const a = track(alice);
      const first = alice.dial(bobUri);
      const bobFirst = await until('bob rings', () => b.incoming[0]);
      await bob.calls.answer(bobFirst.id);
      await until('alice established', () => (a.last(first.id)?.state === 'established' ? true : undefined));
      carol.dial(bobUri);
      const bobSecond = await until('second call rings', () => b.incoming[1]);
      expect(b.last(bobFirst.id)?.state).toBe('established');
      await bob.calls.answer(bobSecond.id);
      expect(b.last(bobFirst.id)?.state).toBe('held');
      await until('bob second established', () => (b.last(bobSecond.id)?.state === 'established' ? true : undefined));
      await until('alice sees the hold', () => (a.last(first.id)?.remoteHold ? true : undefined));
    } finally {
      await carol.shutdown(500);
    }
  });

  it("bob's ringer rings for a call, stops when he answers, plays call waiting for a second call and stops when he ignores it", async () => {
    const { backend, frames, state, joined } = captureOutput();
    const ringing = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], ringer: { backend, country: 'eu' } });
    const carol = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] });
    try {
      const r = track(ringing);
      const uri = `sip:bob@127.0.0.1:${ringing.stack.localAddress('udp').port}`;
      alice.dial(uri);
      const first = await until('first call rings', () => r.incoming[0]);
      await until('ringtone frames', () => (frames.length > 10 ? true : undefined));
      expect(toneAmplitude(joined(0, 10), 440, 16000)).toBeGreaterThan(1000);
      await ringing.calls.answer(first.id);
      await until('ringer closed', () => (!state.open ? true : undefined));
      frames.length = 0;
      carol.dial(uri);
      const second = await until('second call rings', () => r.incoming[1]);
      await until('call-waiting frames', () => (frames.length > 10 ? true : undefined));
      expect(toneAmplitude(joined(0, 10), 425, 16000)).toBeGreaterThan(1000);
      ringing.calls.ignore(second.id);
      await until('ringer closed again', () => (!state.open ? true : undefined));
      expect(ringing.calls.get(second.id).currentState).toBe('incoming');
    } finally {
      await carol.shutdown(500);
      await ringing.shutdown(500);
    }
  });

  it("alice hears the ringback tone on her output device while bob's phone rings, and not after he answers", async () => {
    const { backend, frames, state, joined } = captureOutput();
    const caller = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'], ringback: { backend, country: 'us' } });
    try {
      const b = track(bob);
      const c = track(caller);
      const call = caller.dial(bobUri);
      const ringing = await until('bob rings', () => b.incoming[0]);
      await until('ringback frames', () => (frames.length > 10 ? true : undefined));
      const tone = joined(0, 10);
      expect(toneAmplitude(tone, 440, 16000)).toBeGreaterThan(1000);
      expect(toneAmplitude(tone, 480, 16000)).toBeGreaterThan(1000);
      await bob.calls.answer(ringing.id);
      await until('caller established', () => (c.last(call.id)?.state === 'established' ? true : undefined));
      await until('ringback stopped', () => (!state.open ? true : undefined));
    } finally {
      await caller.shutdown(500);
    }
  });

  it('calls over TCP when the target says transport=tcp, and hangs up cleanly', async () => {
    const carol = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['tcp'], autoAnswer: true });
    const dave = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, transports: ['tcp'] });
    try {
      const d = track(dave);
      const call = dave.dial(`sip:carol@127.0.0.1:${carol.stack.localAddress('tcp').port};transport=tcp`);
      await until('dave established over TCP', () => (d.last(call.id)?.state === 'established' ? true : undefined));
      await dave.calls.hangup(call.id);
      expect((await until('dave ended', () => d.ended[0])).end).toMatchObject({ cause: 'completed', by: 'local' });
    } finally {
      await dave.shutdown(500);
      await carol.shutdown(500);
    }
  });

  it('bob rejects with 486 and alice ends with "busy"', async () => {
    const a = track(alice);
    const b = track(bob);
    alice.dial(bobUri);
    const ringing = await until('bob to ring', () => b.incoming[0]);
    await bob.calls.reject(ringing.id, 486);
    const end = await until('alice ended', () => a.ended[0]);
    expect(end.end).toMatchObject({ cause: 'busy', by: 'remote', status: 486 });
  });

  it('alice cancels while it rings: bob sees "cancelled" and alice gets the 487', async () => {
    const a = track(alice);
    const b = track(bob);
    const call = alice.dial(bobUri);
    await until('bob to ring', () => b.incoming[0]);
    await until('alice ringing', () => (a.last(call.id)?.state === 'ringing' ? true : undefined));
    await alice.calls.hangup(call.id);
    expect((await until('alice ended', () => a.ended[0])).end).toMatchObject({ cause: 'cancelled', by: 'local', status: 487 });
    expect((await until('bob ended', () => b.ended[0])).end).toMatchObject({ cause: 'cancelled', by: 'remote' });
  });

  it('refuses a plain-RTP offer with 488 when SRTP is mandatory', async () => {
    bob.setCallPreferences({ srtp: 'mandatory' });
    alice.setCallPreferences({ srtp: 'off' });
    const a = track(alice);
    alice.dial(bobUri);
    const end = await until('alice ended', () => a.ended[0]);
    expect(end.end).toMatchObject({ cause: 'no-common-codec', status: 488 });
  });
});

/** Every response to a request `ua` sends (INVITE, PRACK, UPDATE, BYE …), in arrival order. */
function responsesTo(ua: UserAgent): SipResponse[] {
  const seen: SipResponse[] = [];
  const tl = ua.stack.transactions;
  const send = tl.sendRequest.bind(tl);
  vi.spyOn(tl, 'sendRequest').mockImplementation((req, dest, user) =>
    send(req, dest, { ...user, receiveResponse: (r) => (seen.push(r), user.receiveResponse(r)) }),
  );
  return seen;
}

/** The in-dialog requests that reach `ua`'s dialog layer so far (call the result to read them). */
function inDialogRequests(ua: UserAgent): () => SipRequest[] {
  const spy = vi.spyOn(ua.dialogs, 'receiveRequest');
  return () => spy.mock.calls.map(([r]) => r);
}

describe('reliable provisional responses and session timers between two Parleys (RFC 3262, RFC 4028)', () => {
  it('bob sends 180 reliably with his answer, alice PRACKs it, and the 200 (no SDP, session timer) comes after the PRACK', async () => {
    const responses = responsesTo(alice);
    const atBob = inDialogRequests(bob);
    const a = track(alice);
    bob.autoAnswer = true;
    const call = alice.dial(bobUri);
    await until('alice established', () => (a.last(call.id)?.state === 'established' ? true : undefined));

    const ringing = responses.find((r) => r.status === 180)!;
    expect(ringing.get('Require')).toBe('100rel');
    const rseq = Number(ringing.get('RSeq'));
    expect(rseq).toBeGreaterThanOrEqual(1);
    expect(ringing.contentType).toBe('application/sdp');
    // The PRACK reached bob inside the early dialog, naming the 180.
    const prack = atBob().find((r) => r.method === 'PRACK')!;
    expect(prack.get('RAck')).toBe(`${rseq} ${ringing.cseq.seq} INVITE`);
    expect(prack.cseq.seq).toBe(ringing.cseq.seq + 1);
    const prackOk = responses.findIndex((r) => r.cseq.method === 'PRACK' && r.status === 200);
    const inviteOk = responses.findIndex((r) => r.cseq.method === 'INVITE' && r.status === 200);
    expect(prackOk).toBeGreaterThan(-1);
    expect(inviteOk).toBeGreaterThan(prackOk);
    const ok = responses[inviteOk]!;
    expect(ok.contentLength).toBe(0);
    // alice supports timers and did not name a refresher, so she refreshes (RFC 4028 §9).
    expect(ok.get('Session-Expires')).toBe('1800;refresher=uac');
    expect(ok.get('Require')).toBe('timer');
    // Early media from the 180's answer set up alice's media before the 200.
    expect(a.views.find((v) => v.state === 'ringing' && v.codec !== undefined)).toBeDefined();
    expect(a.last(call.id)).toMatchObject({ secure: true, codec: 'PCMU/8000' });
    await alice.calls.hangup(call.id);
  });

  it('bob refuses a session interval below his Min-SE with 422 and alice retries with his Min-SE', async () => {
    alice.setCallPreferences({ sessionTimer: { sessionExpires: 100, minSE: 90 } });
    bob.setCallPreferences({ sessionTimer: { sessionExpires: 1800, minSE: 300 } });
    const responses = responsesTo(alice);
    const a = track(alice);
    bob.autoAnswer = true;
    const call = alice.dial(bobUri);
    await until('alice established', () => (a.last(call.id)?.state === 'established' ? true : undefined));
    const tooSmall = responses.find((r) => r.status === 422)!;
    expect(tooSmall.get('Min-SE')).toBe('300');
    const ok = responses.find((r) => r.cseq.method === 'INVITE' && r.status === 200)!;
    expect(ok.cseq.seq).toBe(tooSmall.cseq.seq + 1);
    expect(ok.get('Session-Expires')).toBe('300;refresher=uac');
    await alice.calls.hangup(call.id);
  });
});
