import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { TransportError } from '../../base/errors';
import { createResponse, NameAddr, parseUri, type SipRequest, type SipResponse, type SipUri } from '../../sip';
import type { RegistrationView } from '../../shared/model/registration';
import type { Authenticator, RequestOutcome, RequestSender } from '../request-sender';
import { Registration } from './registration';

type Reply = (req: SipRequest) => RequestOutcome | 'hold';

/** A registrar script: each REGISTER gets the next reply; the outcome arrives after `delayMs` of virtual time. */
class ScriptedRegistrar implements RequestSender {
  readonly sent: SipRequest[] = [];
  constructor(
    private readonly clock: FakeClock,
    private readonly replies: Reply[],
    private readonly delayMs = 50,
  ) {}
  send(request: SipRequest): Promise<RequestOutcome> {
    this.sent.push(request);
    const reply = this.replies.shift();
    if (!reply) throw new Error(`unexpected REGISTER #${this.sent.length}`);
    return new Promise((resolve) => {
      const outcome = reply(request);
      if (outcome === 'hold') return; // never answers: the caller's own timer must end the wait
      this.clock.setTimeout(() => resolve(outcome), this.delayMs);
    });
  }
}

const respond =
  (status: number, extra: (res: SipResponse, req: SipRequest) => void = () => {}): Reply =>
  (req) => {
    const res = createResponse(req, status, undefined, { toTag: 'reg1' });
    extra(res, req);
    return { kind: 'response', response: res };
  };
const ok = (expires: number) =>
  respond(200, (res, req) => {
    const c = req.contacts[0]!.clone();
    c.params.set('expires', String(expires));
    res.set('Contact', c.toString());
  });
const challenge = (nonce: string, stale = false) =>
  respond(401, (res) => res.set('WWW-Authenticate', `Digest realm="test", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`));

/** Answers each nonce once per exchange: the same nonce again means the password was wrong. */
class OncePerNonce implements Authenticator {
  private readonly used = new Set<string>();
  authorize(request: SipRequest, challenge: SipResponse, attempt: number): boolean {
    if (attempt === 1) this.used.clear();
    const header = challenge.get('WWW-Authenticate') ?? '';
    const nonce = /nonce="([^"]+)"/.exec(header)?.[1] ?? '';
    if (this.used.has(nonce) && !/stale=true/.test(header)) return false;
    this.used.add(nonce);
    request.set('Authorization', `Digest username="alice", realm="test", nonce="${nonce}", uri="sip:example.org", response="x"`);
    return true;
  }
}

function setup(replies: Reply[], opts: { random?: number } = {}) {
  const clock = new FakeClock();
  const registrar = new ScriptedRegistrar(clock, replies);
  const reg = new Registration({
    accountId: 'a1',
    aor: parseUri('sip:alice@example.org') as SipUri,
    contact: () => NameAddr.create(parseUri('sip:alice@192.0.2.10:5062;transport=tcp')),
    expires: 300,
    sender: registrar,
    authenticator: new OncePerNonce(),
    clock,
    random: () => opts.random ?? 0,
  });
  const states: RegistrationView[] = [];
  reg.on('stateChanged', (v) => states.push(v));
  return { clock, registrar, reg, states };
}

describe('Registration (RFC 3261 §10.2)', () => {
  it('answers a 401 with credentials, a new CSeq and the same Call-ID, then reports registered', async () => {
    const { clock, registrar, reg, states } = setup([challenge('n1'), ok(300)]);
    reg.register();
    await clock.tick(200);
    expect(states.map((s) => s.state)).toEqual(['registering', 'registered']);
    expect(reg.view().expires).toBe(300);
    const [first, second] = registrar.sent;
    expect(first!.uri.toString()).toBe('sip:example.org');
    expect(first!.get('Authorization')).toBeUndefined();
    expect(second!.get('Authorization')).toMatch(/^Digest username="alice"/);
    expect(second!.callId).toBe(first!.callId);
    expect(second!.cseq.seq).toBe(first!.cseq.seq + 1);
    expect(first!.get('Expires')).toBe('300');
    reg.dispose();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refreshes at 90 % of the granted interval with the same Call-ID', async () => {
    const { clock, registrar, reg, states } = setup([ok(300), ok(300)]);
    reg.register();
    await clock.tick(100);
    expect(registrar.sent).toHaveLength(1);
    await clock.tick(269_000);
    expect(registrar.sent).toHaveLength(1);
    await clock.tick(1_000); // 270 s after the 200
    expect(registrar.sent).toHaveLength(2);
    await clock.tick(100);
    expect(states.map((s) => s.state)).toEqual(['registering', 'registered', 'refreshing', 'registered']);
    expect(registrar.sent[1]!.callId).toBe(registrar.sent[0]!.callId);
    reg.dispose();
  });

  it('fails with "auth" and does not retry when the credentials are refused', async () => {
    const { clock, reg } = setup([challenge('n1'), challenge('n1')]);
    reg.register();
    await clock.tick(500);
    const v = reg.view();
    expect(v.state).toBe('failed');
    expect(v.failure).toBe('auth');
    expect(v.status).toBe(401);
    expect(v.retryInSeconds).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('answers a nonce it answered before when a later REGISTER is challenged with it', async () => {
    const { clock, registrar, reg } = setup([challenge('n1'), ok(300), challenge('n1'), respond(200)]);
    reg.register();
    await clock.tick(200);
    const done = reg.unregister();
    await clock.tick(200);
    await done;
    expect(registrar.sent).toHaveLength(4);
    expect(registrar.sent[3]!.get('Authorization')).toMatch(/nonce="n1"/);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('re-sends with the new nonce after stale=true without failing', async () => {
    const { clock, reg } = setup([challenge('n1'), challenge('n1', true), ok(300)]);
    reg.register();
    await clock.tick(500);
    expect(reg.currentState).toBe('registered');
    reg.dispose();
  });

  it('retries with Min-Expires after 423 Interval Too Brief', async () => {
    const { clock, registrar, reg } = setup([respond(423, (res) => res.set('Min-Expires', '1800')), ok(1800)]);
    reg.register();
    await clock.tick(500);
    expect(registrar.sent[1]!.get('Expires')).toBe('1800');
    expect(reg.view()).toMatchObject({ state: 'registered', expires: 1800 });
    reg.dispose();
  });

  it('retries after a timeout with RFC 5626 back-off (1–2 s first, then doubling)', async () => {
    const { clock, registrar, reg } = setup([() => ({ kind: 'timeout' }), () => ({ kind: 'timeout' }), ok(300)], { random: 0 });
    reg.register();
    await clock.tick(50);
    expect(reg.view()).toMatchObject({ state: 'failed', failure: 'timeout', retryInSeconds: 1 });
    await clock.tick(999);
    expect(registrar.sent).toHaveLength(1);
    await clock.tick(1);
    expect(registrar.sent).toHaveLength(2);
    await clock.tick(50); // second failure: wait 2 s · 0.5
    await clock.tick(1_999);
    expect(registrar.sent).toHaveLength(2);
    await clock.tick(1);
    expect(registrar.sent).toHaveLength(3);
    await clock.tick(50);
    expect(reg.currentState).toBe('registered');
    reg.dispose();
  });

  it('names a refused TLS certificate as a "tls" failure', async () => {
    const { clock, reg } = setup([() => ({ kind: 'transport-error', error: new TransportError('transport.tls', 'certificate signed by unknown authority') })]);
    reg.register();
    await clock.tick(50);
    expect(reg.view()).toMatchObject({ state: 'failed', failure: 'tls', reason: 'certificate signed by unknown authority' });
    reg.dispose();
  });

  it('waits longer after a 503 than after an unreachable server', async () => {
    const { clock, reg } = setup([respond(503)], { random: 0 });
    reg.register();
    await clock.tick(50);
    expect(reg.view()).toMatchObject({ state: 'failed', failure: 'server-error', status: 503, retryInSeconds: 15 });
    reg.dispose();
  });

  it('registers again at once when its connection drops', async () => {
    const { clock, registrar, reg, states } = setup([ok(300), ok(300)]);
    reg.register();
    await clock.tick(100);
    reg.connectionLost();
    await clock.tick();
    expect(registrar.sent).toHaveLength(2);
    await clock.tick(100);
    expect(states.map((s) => s.state)).toEqual(['registering', 'registered', 'refreshing', 'registered']);
    reg.dispose();
  });

  it('unregisters with Expires: 0 and resolves when the registrar answers', async () => {
    const { clock, registrar, reg } = setup([ok(300), respond(200)]);
    reg.register();
    await clock.tick(100);
    const done = reg.unregister();
    await clock.tick();
    expect(registrar.sent[1]!.get('Expires')).toBe('0');
    await clock.tick(100);
    await done;
    expect(reg.currentState).toBe('unregistered');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives up unregistering after the timeout when the registrar is silent', async () => {
    const { clock, reg } = setup([ok(300), () => 'hold']);
    reg.register();
    await clock.tick(100);
    const done = reg.unregister(2000);
    await clock.tick(2000);
    await done;
    expect(reg.currentState).toBe('unregistered');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('ignores a late answer to a REGISTER that was superseded', async () => {
    const { clock, reg, states } = setup([() => 'hold', ok(300)]);
    reg.register();
    await clock.tick(10);
    void reg.unregister(1000);
    await clock.tick(2000);
    expect(states.map((s) => s.state)).toEqual(['registering', 'unregistering', 'unregistered']);
    reg.dispose();
  });
});
