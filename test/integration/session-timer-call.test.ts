/**
 * RFC 4028 session timers between two Parley user agents over UDP on 127.0.0.1, in virtual
 * time: the SIP stacks run on one FakeClock (so a 90 s session interval passes in a blink), the
 * media engines on the real clock. alice offers Session-Expires 90 and, supporting timers, is
 * made the refresher by bob; she refreshes with UPDATE at half the interval (§10). When her
 * refreshes stop reaching bob, he sends BYE min(32, 90/3) = 30 s before the interval ends.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { systemClock } from '../../src-main/base/clock';
import { MediaEngine } from '../../src-main/media/engine';
import type { CallView } from '../../src-main/shared/model/call';
import type { SipRequest } from '../../src-main/sip';
import { UserAgent } from '../../src-main/ua/user-agent';
import { FakeClock } from '../support/fake-clock';

let clock: FakeClock;
let alice: UserAgent;
let bob: UserAgent;
let bobUri: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ua(): Promise<UserAgent> {
  return UserAgent.create({
    clock,
    listen: { host: '127.0.0.1', port: 0 },
    transports: ['udp'],
    media: new MediaEngine({ clock: systemClock, address: '127.0.0.1' }),
    callPreferences: { codecs: ['PCMU'], srtp: 'off', sessionTimer: { sessionExpires: 90, minSE: 90 } },
  });
}

/** Moves virtual time forward in 500 ms steps, letting real UDP traffic through after each. */
async function advance(ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 500) {
    await clock.tick(Math.min(500, ms - done));
    await sleep(4);
  }
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) {
    await clock.tick(0);
    await sleep(4);
  }
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

function track(u: UserAgent) {
  const views = new Map<string, CallView>();
  u.on('call.updated', (v) => views.set(v.id, v));
  u.on('call.ended', (v) => views.set(v.id, v));
  return { state: (id: string) => views.get(id)?.state, view: (id: string) => views.get(id), ids: () => [...views.keys()] };
}

beforeEach(async () => {
  clock = new FakeClock();
  alice = await ua();
  bob = await ua();
  bob.autoAnswer = true;
  bobUri = `sip:bob@127.0.0.1:${bob.stack.localAddress('udp').port}`;
});

afterEach(async () => {
  const ticker = setInterval(() => clock.advance(200), 2);
  await alice.shutdown(500);
  await bob.shutdown(500);
  clearInterval(ticker);
});

async function establish() {
  const a = track(alice);
  const b = track(bob);
  const call = alice.dial(bobUri);
  await until('both established', () => a.state(call.id) === 'established' && b.ids().some((id) => b.state(id) === 'established'));
  const bobCall = b.ids()[0]!;
  return { a, b, call: call.id, bobCall };
}

it('alice refreshes with UPDATE every 45 s of a 90 s interval and the call outlives many intervals', async () => {
  const atBob = vi.spyOn(bob.dialogs, 'receiveRequest');
  const updates = () => atBob.mock.calls.map(([r]) => r).filter((r) => r.method === 'UPDATE');
  const { a, b, call, bobCall } = await establish();
  const start = clock.now();

  await advance(44_500);
  expect(updates()).toHaveLength(0);
  await advance(1_000);
  expect(updates()).toHaveLength(1);
  const refresh = updates()[0]!;
  expect(refresh.get('Session-Expires')).toBe('90;refresher=uac');
  expect(refresh.get('Min-SE')).toBe('90');
  expect(refresh.contentLength).toBe(0);

  await advance(300_000 - (clock.now() - start));
  expect(updates().length).toBeGreaterThanOrEqual(6);
  expect(a.state(call)).toBe('established');
  expect(b.state(bobCall)).toBe('established');
});

it('bob ends the call with "session-expired" 60 s in when the refreshes stop reaching him', async () => {
  const dialogs = bob.dialogs;
  const receive = dialogs.receiveRequest.bind(dialogs);
  const dropped: SipRequest[] = [];
  // The network loses alice's refreshes: bob's dialog layer never sees an UPDATE.
  vi.spyOn(dialogs, 'receiveRequest').mockImplementation((req, tx) => (req.method === 'UPDATE' ? (dropped.push(req), true) : receive(req, tx)));
  const { a, b, call, bobCall } = await establish();
  const start = clock.now();

  await advance(59_000);
  expect(dropped).toHaveLength(1);
  expect(b.state(bobCall)).toBe('established');
  await advance(1_500);
  await until('bob to end', () => b.state(bobCall) === 'terminated');
  expect(clock.now() - start).toBeLessThan(61_000);
  expect(b.view(bobCall)?.end).toMatchObject({ cause: 'session-expired', by: 'network' });
  await until('alice to end', () => a.state(call) === 'terminated');
  expect(a.view(call)?.end).toMatchObject({ cause: 'completed', by: 'remote' });
});
