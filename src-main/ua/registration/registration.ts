/**
 * One account's registration with its registrar (RFC 3261 §10.2): REGISTER with our Contact,
 * refreshed before it lapses, re-sent with credentials after 401/407 (§22.2), with the
 * Min-Expires after 423 (§10.2.8), retried with back-off after failures (RFC 5626 §4.5), sent
 * again at once when the connection it used drops, and removed (Expires: 0) on stop.
 * The state diagram is in registration-state.ts.
 */
import type { Clock, TimerHandle } from '../../base/clock';
import { nullLogger, type Logger } from '../../base/logger';
import { newCallId, newTag } from '../../base/random-ids';
import { TypedEmitter } from '../../base/typed-emitter';
import type { RegistrationFailure, RegistrationState, RegistrationView } from '../../shared/model/registration';
import { contactExpires, createRequest, METHODS, NameAddr, Params, STATUS, uriEquals, type SipRequest, type SipResponse, type SipUri } from '../../sip';
import type { Authenticator, RequestOutcome, RequestSender } from '../request-sender';
import { DEFAULT_BACKOFF, refreshDelayMs, retryDelayMs, type BackoffPolicy } from './backoff';
import { canMove } from './registration-state';

export interface RegistrationOptions {
  readonly accountId: string;
  /** The address of record: From and To of every REGISTER (§10.2). */
  readonly aor: SipUri;
  /** Request-URI: the registrar's domain, without user part (§10.2). Defaults to the AoR's host. */
  readonly registrar?: SipUri;
  /** Our Contact, built fresh for every REGISTER (the local address may change with the flow). */
  readonly contact: () => NameAddr;
  /** Route set for an outbound proxy (loose routes), if any. */
  readonly routes?: readonly NameAddr[];
  /** Requested binding lifetime in seconds (default 600). */
  readonly expires?: number;
  /** RFC 5626 §4.2.1: +sip.instance and reg-id on the Contact when set. */
  readonly instanceId?: string;
  readonly regId?: number;
  /** Allow header value advertised in REGISTER. */
  readonly allow?: string;
  readonly userAgent?: string;
  readonly sender: RequestSender;
  readonly authenticator: Authenticator;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
}

export interface RegistrationEvents extends Record<string, unknown[]> {
  stateChanged: [RegistrationView, RegistrationState];
}

const MAX_AUTH_ROUNDS = 3;
const MAX_INTERVAL_ROUNDS = 3;

/** Failures that do not heal by waiting: retrying would only repeat them (and lock accounts). */
const FINAL_FAILURES: ReadonlySet<RegistrationFailure> = new Set(['auth', 'rejected', 'protocol']);

export class Registration extends TypedEmitter<RegistrationEvents> {
  private state: RegistrationState = 'unregistered';
  private readonly callId = newCallId();
  private readonly fromTag = newTag();
  private cseq = 0;
  private expires: number;
  private granted: number | undefined;
  private failure: { kind: RegistrationFailure; status?: number; reason?: string } | undefined;
  private consecutiveFailures = 0;
  private timer: TimerHandle | undefined;
  private retryAt: number | undefined;
  /** Bumped for every REGISTER exchange so that a late outcome of an old one is ignored. */
  private generation = 0;
  private outbound = false;
  private stopWaiters: (() => void)[] = [];
  private readonly log: Logger;

  constructor(private readonly o: RegistrationOptions) {
    super();
    this.expires = o.expires ?? 600;
    this.log = (o.logger ?? nullLogger).child(`registration.${o.accountId}`);
  }

  get currentState(): RegistrationState {
    return this.state;
  }

  view(): RegistrationView {
    const v: { -readonly [K in keyof RegistrationView]: RegistrationView[K] } = {
      accountId: this.o.accountId,
      aor: this.o.aor.toString(),
      state: this.state,
    };
    if ((this.state === 'registered' || this.state === 'refreshing') && this.granted !== undefined) v.expires = this.granted;
    if (this.state === 'failed' && this.failure) {
      v.failure = this.failure.kind;
      if (this.failure.status !== undefined) v.status = this.failure.status;
      if (this.failure.reason !== undefined) v.reason = this.failure.reason;
      if (this.retryAt !== undefined) v.retryInSeconds = Math.max(0, Math.round((this.retryAt - this.o.clock.now()) / 1000));
    }
    if (this.outbound) v.outbound = true;
    return v;
  }

  /** Starts registering (a no-op while already registering or registered). */
  register(): void {
    switch (this.state) {
      case 'unregistered':
      case 'failed':
        this.consecutiveFailures = this.state === 'failed' ? this.consecutiveFailures : 0;
        this.enter('registering');
        this.sendRegister(this.expires);
        return;
      default:
        return;
    }
  }

  /**
   * The connection the registration used has dropped (RFC 5626 §4.4.1 flow failure): the
   * binding is probably gone with it, so register again at once over a new connection.
   */
  connectionLost(): void {
    switch (this.state) {
      case 'registered':
        this.failure = { kind: 'connection-lost' };
        this.enter('refreshing');
        this.sendRegister(this.expires);
        return;
      case 'failed':
        if (this.failure && FINAL_FAILURES.has(this.failure.kind)) return;
        this.retryNow();
        return;
      default:
        return;
    }
  }

  /**
   * Removes the binding (Expires: 0, §10.2.2) and resolves once the registrar answered, the
   * request failed, or `timeoutMs` passed — shutdown must not hang on a dead server.
   */
  unregister(timeoutMs = 5000): Promise<void> {
    switch (this.state) {
      case 'unregistered':
        return Promise.resolve();
      case 'unregistering':
        return this.waitStopped(timeoutMs);
      case 'failed':
        if (this.granted === undefined) {
          this.enter('unregistered');
          return Promise.resolve();
        }
        break;
      default:
        break;
    }
    this.enter('unregistering');
    this.sendRegister(0);
    return this.waitStopped(timeoutMs);
  }

  /** Stops all timers and forgets the binding without sending anything. */
  dispose(): void {
    this.generation++;
    this.clearTimer();
    this.resolveStopWaiters();
    this.removeAllListeners();
  }

  private waitStopped(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const guard = this.o.clock.setTimeout(() => {
        this.stopWaiters = this.stopWaiters.filter((w) => w !== done);
        this.generation++;
        if (this.state === 'unregistering') this.enter('unregistered');
        resolve();
      }, timeoutMs);
      const done = (): void => {
        this.o.clock.clearTimeout(guard);
        resolve();
      };
      this.stopWaiters.push(done);
    });
  }

  private resolveStopWaiters(): void {
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w();
  }

  private buildRegister(expires: number): SipRequest {
    const contact = this.o.contact();
    if (this.o.instanceId !== undefined) contact.params.set('+sip.instance', `"<${this.o.instanceId}>"`);
    if (this.o.regId !== undefined) contact.params.set('reg-id', String(this.o.regId));
    const registrar = this.o.registrar ?? this.registrarOf(this.o.aor);
    const headers: [string, string][] = [['Expires', String(expires)]];
    if (this.o.allow) headers.push(['Allow', this.o.allow]);
    headers.push(['Supported', this.o.instanceId !== undefined ? 'path, outbound' : 'path']);
    if (this.o.userAgent) headers.push(['User-Agent', this.o.userAgent]);
    const from = NameAddr.create(this.o.aor.clone());
    from.tag = this.fromTag;
    return createRequest({
      method: METHODS.REGISTER,
      uri: registrar,
      from,
      to: NameAddr.create(this.o.aor.clone()),
      // §10.2: the same Call-ID for every REGISTER of this registration, CSeq increasing.
      callId: this.callId,
      cseq: ++this.cseq,
      contact,
      ...(this.o.routes ? { routes: this.o.routes.map((r) => r.clone()) } : {}),
      headers,
    });
  }

  private registrarOf(aor: SipUri): SipUri {
    const r = aor.clone();
    r.user = undefined;
    r.password = undefined;
    r.headers = new Params();
    return r;
  }

  private sendRegister(expires: number): void {
    const generation = ++this.generation;
    this.clearTimer();
    void this.exchange(this.buildRegister(expires), expires, generation, 0, 0);
  }

  private async exchange(request: SipRequest, expires: number, generation: number, authRounds: number, intervalRounds: number): Promise<void> {
    this.log.debug('send REGISTER', { cseq: this.cseq, expires });
    const outcome = await this.o.sender.send(request);
    if (generation !== this.generation) return; // superseded (stopped, or a newer exchange)
    const response = outcome.kind === 'response' ? outcome.response : undefined;
    this.log.debug('REGISTER outcome', response ? { status: response.status, reason: response.reason } : { outcome: outcome.kind });

    if (response && (response.status === STATUS.UNAUTHORIZED || response.status === STATUS.PROXY_AUTHENTICATION_REQUIRED)) {
      // §22.2: re-send with credentials, a new CSeq, the same Call-ID.
      const retry = request.clone();
      retry.remove('Authorization');
      retry.remove('Proxy-Authorization');
      retry.set('CSeq', `${++this.cseq} ${METHODS.REGISTER}`);
      if (authRounds < MAX_AUTH_ROUNDS && this.o.authenticator.authorize(retry, response, authRounds + 1)) {
        return this.exchange(retry, expires, generation, authRounds + 1, intervalRounds);
      }
      return this.finish(expires, { kind: 'auth', status: response.status, reason: response.reason });
    }
    if (response && response.status === STATUS.INTERVAL_TOO_BRIEF && expires !== 0) {
      // §10.2.8: retry with an interval of at least Min-Expires.
      const min = Number(response.get('Min-Expires'));
      if (Number.isFinite(min) && min > expires && intervalRounds < MAX_INTERVAL_ROUNDS) {
        this.expires = min;
        const retry = this.buildRegister(min);
        copyCredentials(request, retry);
        return this.exchange(retry, min, generation, authRounds, intervalRounds + 1);
      }
      return this.finish(expires, { kind: 'protocol', status: response.status, reason: 'registrar wants a longer interval but gave no usable Min-Expires' });
    }
    if (response && response.status >= 200 && response.status < 300) return this.succeed(response, request, expires);
    return this.finish(expires, classify(outcome));
  }

  private succeed(response: SipResponse, request: SipRequest, expires: number): void {
    if (this.state === 'unregistering' || expires === 0) return this.finish(0, undefined);
    const mine = request.contacts[0];
    const bound = response.contacts.find((c) => mine !== undefined && (uriEquals(c.uri, mine.uri) || sameInstance(c, mine)));
    let granted = bound ? contactExpires(bound) : undefined;
    if (granted === undefined) {
      const header = Number(response.get('Expires'));
      granted = Number.isFinite(header) ? header : expires;
      if (!bound) this.log.warn('2xx to REGISTER does not list our contact; using Expires', { granted });
    }
    if (granted <= 0) {
      return this.finish(expires, { kind: 'protocol', status: response.status, reason: 'registrar granted no time for our contact' });
    }
    const requireHeader = (response.get('Require') ?? '').toLowerCase();
    this.outbound = this.o.instanceId !== undefined && requireHeader.includes('outbound');
    this.granted = granted;
    this.failure = undefined;
    this.consecutiveFailures = 0;
    this.retryAt = undefined;
    this.enter('registered');
    this.timer = this.o.clock.setTimeout(() => this.refresh(), refreshDelayMs(granted));
  }

  private refresh(): void {
    this.timer = undefined;
    if (this.state !== 'registered') return;
    this.enter('refreshing');
    this.sendRegister(this.expires);
  }

  /** Ends an exchange: unregistered after a removal, otherwise failed with a retry if it may heal. */
  private finish(expires: number, failure: { kind: RegistrationFailure; status?: number; reason?: string } | undefined): void {
    if (this.state === 'unregistering' || expires === 0) {
      this.granted = undefined;
      this.outbound = false;
      this.enter('unregistered');
      this.resolveStopWaiters();
      return;
    }
    this.failure = failure ?? { kind: 'protocol' };
    this.consecutiveFailures++;
    this.retryAt = undefined;
    if (!FINAL_FAILURES.has(this.failure.kind)) {
      const serverAnswered = this.failure.status !== undefined;
      const delay = retryDelayMs(this.consecutiveFailures, serverAnswered, (this.o.random ?? Math.random)(), this.o.backoff ?? DEFAULT_BACKOFF);
      this.retryAt = this.o.clock.now() + delay;
      this.timer = this.o.clock.setTimeout(() => this.retryNow(), delay);
    }
    this.log.warn('registration failed', { failure: this.failure.kind, status: this.failure.status ?? '-', reason: this.failure.reason ?? '-' });
    this.enter('failed');
  }

  private retryNow(): void {
    this.clearTimer();
    this.retryAt = undefined;
    if (this.state !== 'failed') return;
    this.enter('registering');
    this.sendRegister(this.expires);
  }

  private enter(next: RegistrationState): void {
    const prev = this.state;
    if (prev === next) return;
    if (!canMove(prev, next)) throw new Error(`registration: illegal move ${prev} -> ${next}`);
    if (next === 'unregistered' || next === 'unregistering') this.clearTimer();
    this.state = next;
    this.log.info(`${prev} -> ${next}`);
    this.safeEmit('stateChanged', this.view(), prev);
  }

  private clearTimer(): void {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function copyCredentials(from: SipRequest, to: SipRequest): void {
  for (const name of ['Authorization', 'Proxy-Authorization']) {
    for (const v of from.getAll(name)) to.append(name, v);
  }
}

function sameInstance(a: NameAddr, b: NameAddr): boolean {
  const x = a.params.get('+sip.instance');
  const y = b.params.get('+sip.instance');
  return typeof x === 'string' && x === y;
}

/** Maps an outcome to a failure a user can act on (§8.1.3.1: timeout ≈ 408, transport ≈ 503). */
export function classify(outcome: RequestOutcome): { kind: RegistrationFailure; status?: number; reason?: string } {
  switch (outcome.kind) {
    case 'timeout':
      return { kind: 'timeout', reason: 'no answer from the registrar' };
    case 'transport-error': {
      const code = outcome.error.code;
      const kind: RegistrationFailure = code === 'transport.tls' ? 'tls' : code === 'transport.dns' ? 'dns' : code === 'transport.closed' ? 'connection-lost' : 'unreachable';
      return { kind, reason: outcome.error.message };
    }
    case 'response': {
      const { status, reason } = outcome.response;
      if (status === STATUS.REQUEST_TIMEOUT) return { kind: 'timeout', status, reason };
      if (status >= 500 || status === STATUS.TEMPORARILY_UNAVAILABLE) return { kind: 'server-error', status, reason };
      if (status === STATUS.FORBIDDEN) return { kind: 'auth', status, reason };
      return { kind: 'rejected', status, reason };
    }
  }
}
