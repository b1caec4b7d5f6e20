/**
 * The user agent: one SIP stack, several accounts, their registrations, and the requests a
 * person (or a script) sends. It emits domain events and knows nothing of IPC or the CLI.
 */
import type { Clock } from '../base/clock';
import { ValidationError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { newCallId, newTag } from '../base/random-ids';
import { TypedEmitter } from '../base/typed-emitter';
import type { RegistrationView } from '../shared/model/registration';
import { createRequest, METHODS, NameAddr, parseUri, SipUri, STATUS } from '../sip';
import type { Flow } from '../transport/transport';
import { resolveAccount, type AccountConfig, type ResolvedAccount } from './account';
import { DigestAuthenticator } from './digest-authenticator';
import { Registration } from './registration/registration';
import type { RequestOutcome } from './request-sender';
import { SipStack, type SipStackOptions } from './sip-stack';

export interface UserAgentOptions extends SipStackOptions {
  readonly userAgent?: string;
}

export interface UserAgentEvents extends Record<string, unknown[]> {
  'registration.updated': [RegistrationView];
  'connection.closed': [{ protocol: string; host: string; port: number; reason: string }];
  'message.malformed': [{ fault: string; from: string }];
}

/** The answer to an OPTIONS ping, as a value. */
export interface OptionsResult {
  readonly target: string;
  readonly outcome: RequestOutcome;
  readonly elapsedMs: number;
}

interface AccountEntry {
  readonly account: ResolvedAccount;
  readonly authenticator: DigestAuthenticator;
  readonly registration: Registration;
}

export const PARLEY_USER_AGENT = 'Parley/0.1';

/** RFC 5626 §4.4.1 suggests 95–120 s for connection-oriented flows without a Flow-Timer. */
const DEFAULT_KEEPALIVE_SECONDS = 100;

export class UserAgent extends TypedEmitter<UserAgentEvents> {
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly log: Logger;
  private closed = false;

  private constructor(
    readonly stack: SipStack,
    private readonly clock: Clock,
    private readonly o: UserAgentOptions,
  ) {
    super();
    this.log = (o.logger ?? nullLogger).child('ua');
    stack.on('connectionClosed', (flow, reason) => this.onConnectionClosed(flow, reason));
    stack.on('malformed', (fault, flow) => this.safeEmit('message.malformed', { fault, from: `${flow.protocol}:${flow.host}:${flow.port}` }));
  }

  static async create(o: UserAgentOptions = {}): Promise<UserAgent> {
    const stack = await SipStack.open({ ...o, userAgent: o.userAgent ?? PARLEY_USER_AGENT });
    return new UserAgent(stack, stack.clock, o);
  }

  /** Adds an account (validated; throws ValidationError) without registering it. */
  addAccount(config: AccountConfig): ResolvedAccount {
    if (this.accounts.has(config.id)) throw new ValidationError(`account ${config.id} exists already`);
    const account = resolveAccount(config);
    const authenticator = new DigestAuthenticator({ username: account.authUser, password: config.password });
    const registration = new Registration({
      accountId: config.id,
      aor: account.aor,
      registrar: account.registrar,
      contact: () => this.stack.contactFor(account.aor.user, account.protocol, account.secure),
      routes: account.routes,
      ...(config.registerExpires !== undefined ? { expires: config.registerExpires } : {}),
      ...(config.instanceId !== undefined ? { instanceId: config.instanceId, regId: 1 } : {}),
      allow: this.stack.capabilities().methods.join(', '),
      userAgent: this.o.userAgent ?? PARLEY_USER_AGENT,
      sender: this.stack,
      authenticator,
      clock: this.clock,
      logger: this.o.logger ?? nullLogger,
    });
    registration.on('stateChanged', (view) => {
      if (view.state === 'registered') this.startKeepAlive(account);
      this.safeEmit('registration.updated', view);
    });
    this.accounts.set(config.id, { account, authenticator, registration });
    return account;
  }

  registration(accountId: string): RegistrationView {
    return this.entry(accountId).registration.view();
  }

  register(accountId: string): void {
    this.entry(accountId).registration.register();
  }

  unregister(accountId: string, timeoutMs?: number): Promise<void> {
    return this.entry(accountId).registration.unregister(timeoutMs);
  }

  /**
   * Sends OPTIONS to `target` (RFC 3261 §11.1), through the account's proxy and with its
   * credentials when an account is given (a proxy may challenge it with 407).
   */
  async options(target: string, accountId?: string): Promise<OptionsResult> {
    let uri;
    try {
      uri = parseUri(target);
    } catch (error) {
      throw new ValidationError(`not a SIP URI: ${target} (${(error as Error).message})`);
    }
    if (!(uri instanceof SipUri)) throw new ValidationError(`OPTIONS needs a sip: or sips: URI: ${target}`);
    const entry = accountId !== undefined ? this.entry(accountId) : undefined;
    const account = entry?.account;
    if (account && account.protocol !== 'udp' && uri.transport === undefined && account.routes.length === 0) uri.params.set('transport', account.protocol);
    const fromUri = account?.aor.clone() ?? new SipUri('sip', this.stack.localAddress('udp').host, 'parley');
    const from = NameAddr.create(fromUri);
    from.tag = newTag();
    const protocol = account?.protocol ?? (uri.scheme === 'sips' ? 'tls' : ((uri.transport as 'udp' | 'tcp' | 'tls' | undefined) ?? 'udp'));
    let cseq = 1;
    const request = createRequest({
      method: METHODS.OPTIONS,
      uri,
      from,
      to: NameAddr.create(uri.clone()),
      callId: newCallId(),
      cseq,
      contact: this.stack.contactFor(fromUri.user, protocol, account?.secure ?? false),
      ...(account ? { routes: account.routes.map((r) => r.clone()) } : {}),
      headers: [
        ['Accept', 'application/sdp'],
        ['User-Agent', this.o.userAgent ?? PARLEY_USER_AGENT],
      ],
    });
    const started = this.clock.now();
    let outcome = await this.stack.send(request);
    for (let round = 0; round < 2 && entry && outcome.kind === 'response'; round++) {
      const { status } = outcome.response;
      if (status !== STATUS.UNAUTHORIZED && status !== STATUS.PROXY_AUTHENTICATION_REQUIRED) break;
      const retry = request.clone();
      retry.set('CSeq', `${++cseq} ${METHODS.OPTIONS}`);
      if (!entry.authenticator.authorize(retry, outcome.response, round + 1)) break;
      outcome = await this.stack.send(retry);
    }
    return { target, outcome, elapsedMs: this.clock.now() - started };
  }

  /** Unregisters every account (bounded by `timeoutMs`) and closes the stack. Idempotent. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.accounts.values()].map((e) => e.registration.unregister(timeoutMs)));
    for (const e of this.accounts.values()) e.registration.dispose();
    this.accounts.clear();
    await this.stack.dispose();
    this.removeAllListeners();
  }

  /** Keep-alives on the connection a registration uses (RFC 5626 §4.4.1; TCP/TLS only). */
  private startKeepAlive(account: ResolvedAccount): void {
    if (account.protocol === 'udp') return;
    const hop = account.nextHop;
    const port = hop.port ?? (account.protocol === 'tls' ? 5061 : 5060);
    const seconds = account.config.keepAliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS;
    if (seconds <= 0) return;
    const started = this.stack.keepAlive({ protocol: account.protocol, host: stripBrackets(hop.host), port }, seconds * 1000);
    this.log.debug('keep-alive', { account: account.config.id, started, seconds });
  }

  private entry(accountId: string): AccountEntry {
    const e = this.accounts.get(accountId);
    if (!e) throw new ValidationError(`no account ${accountId}`);
    return e;
  }

  /** A dropped connection to an account's next hop means its binding is gone (RFC 5626 §4.4.1). */
  private onConnectionClosed(flow: Flow, reason: string): void {
    this.safeEmit('connection.closed', { protocol: flow.protocol, host: flow.host, port: flow.port, reason });
    for (const { account, registration } of this.accounts.values()) {
      if (account.protocol !== flow.protocol) continue;
      const hop = account.nextHop;
      const port = hop.port ?? (flow.protocol === 'tls' ? 5061 : 5060);
      if (stripBrackets(hop.host) === stripBrackets(flow.host) && port === flow.port) {
        this.log.info('connection to registrar lost; registering again', { account: account.config.id, reason });
        registration.connectionLost();
      }
    }
  }
}

function stripBrackets(h: string): string {
  return h.startsWith('[') ? h.slice(1, -1) : h;
}
