/**
 * The user agent: one SIP stack, several accounts, their registrations, and the requests a
 * person (or a script) sends. It emits domain events and knows nothing of IPC or the CLI.
 */
import { isIP } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../base/clock';
import { ValidationError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { newCallId, newTag } from '../base/random-ids';
import { TypedEmitter } from '../base/typed-emitter';
import type { RegistrationView } from '../shared/model/registration';
import { createRequest, METHODS, NameAddr, SipUri, STATUS, type SipRequest } from '../sip';
import { DialogLayer } from '../dialog/dialog-layer';
import { MediaEngine } from '../media/engine';
import { MediaWorkerHost } from '../media/worker/host';
import type { EngineDeviceSpec } from '../audio/engine-devices';
import type { DeviceChangeReason, DeviceRole, EngineAudioBackend, MediaEngineApi, VoiceProcessing } from '../media/engine-api';
import type { CallView } from '../shared/model/call';
import { CallManager, type CallQualityView } from './call/call-manager';
import { Ringer } from './call/ringer';
import type { AudioBackend } from '../audio/device';
import type { ToneCountry } from '../audio/tone';
import type { CallAccount, CallMediaPreferences } from './call/call-context';
import type { Flow, TransportProtocol } from '../transport/transport';
import { parseSipUri, resolveAccount, type AccountConfig, type ResolvedAccount } from './account';
import { DigestAuthenticator } from './digest-authenticator';
import { Registration } from './registration/registration';
import type { RequestOutcome } from './request-sender';
import { SipStack, type SipStackOptions } from './sip-stack';

export interface UserAgentOptions extends SipStackOptions {
  readonly userAgent?: string;
  /** The media engine (in-thread or on a worker); default: an in-thread engine on `devices`. */
  readonly media?: MediaEngineApi;
  /** Audio devices for the default in-thread media engine (none: silence in, nothing out). */
  readonly devices?: EngineAudioBackend;
  /**
   * Run the media engine on its own worker thread (issue 4 §11: a busy main thread then costs
   * no audio deadlines), with devices described as plain data.
   */
  readonly mediaWorker?: { readonly devices: EngineDeviceSpec; readonly sampleRate?: number };
  /** Echo cancellation and noise suppression on the microphone (default: both off). */
  readonly voiceProcessing?: VoiceProcessing;
  /** Codec order, SRTP policy and recording for calls. */
  readonly callPreferences?: Partial<CallMediaPreferences>;
  /** Answer incoming calls at once. */
  readonly autoAnswer?: boolean;
  /** Where the ringtone and the call-waiting tone play (none: silent alerting). */
  readonly ringer?: { readonly backend: AudioBackend; readonly device?: string; readonly country?: ToneCountry };
  /** Where the ringback tone of outgoing calls plays: the call's output device (none: silent). */
  readonly ringback?: { readonly backend: AudioBackend; readonly device?: string; readonly country?: ToneCountry };
}

export interface UserAgentEvents extends Record<string, unknown[]> {
  'registration.updated': [RegistrationView];
  'connection.closed': [{ protocol: string; host: string; port: number; reason: string }];
  'message.malformed': [{ fault: string; from: string }];
  'call.updated': [CallView];
  'call.incoming': [CallView];
  'call.ended': [CallView];
  'call.quality': [CallQualityView];
  'call.dtmf': [{ callId: string; digit: string; durationMs: number }];
  /** The microphone or speaker moved: first open, the user's pick, a lost device, a returned one. */
  'device.changed': [{ role: DeviceRole; device: string; reason: DeviceChangeReason }];
  /** A sound device failed or could not open (calls go on; see `device.changed` for where). */
  'device.error': [{ message: string }];
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

/** The module the media worker builds its devices from (audio may not be imported by media). */
const ENGINE_DEVICES_MODULE = new URL(`../audio/engine-devices${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

/** RFC 5626 §4.4.1 suggests 95–120 s for connection-oriented flows without a Flow-Timer. */
const DEFAULT_KEEPALIVE_SECONDS = 100;

export class UserAgent extends TypedEmitter<UserAgentEvents> {
  private readonly accounts = new Map<string, AccountEntry>();
  private readonly log: Logger;
  private closed = false;
  readonly calls: CallManager;
  readonly dialogs: DialogLayer;
  private preferences: CallMediaPreferences;
  autoAnswer: boolean;

  private constructor(
    readonly stack: SipStack,
    private readonly clock: Clock,
    readonly media: MediaEngineApi,
    private readonly o: UserAgentOptions,
  ) {
    super();
    this.log = (o.logger ?? nullLogger).child('ua');
    this.autoAnswer = o.autoAnswer ?? false;
    this.preferences = { codecs: ['PCMU', 'PCMA', 'G722', 'opus'], srtp: 'optional', ...o.callPreferences };
    this.dialogs = new DialogLayer({
      transactions: stack.transactions,
      resolve: (uri, prefs) => stack.transport.resolve(uri, prefs),
      logger: o.logger ?? nullLogger,
    });
    this.calls = new CallManager(
      {
        stack,
        dialogs: this.dialogs,
        media,
        clock,
        logger: (o.logger ?? nullLogger).child('ua'),
        userAgent: o.userAgent ?? PARLEY_USER_AGENT,
        preferences: () => this.preferences,
      },
      {
        accountFor: (req) => this.accountForIncoming(req),
        autoAnswer: () => this.autoAnswer,
        ...(o.ringer ? { ringer: new Ringer({ ...o.ringer, clock, logger: o.logger ?? nullLogger }) } : {}),
        ...(o.ringback ? { ringback: new Ringer({ ...o.ringback, clock, logger: o.logger ?? nullLogger }) } : {}),
      },
    );
    for (const e of ['call.updated', 'call.incoming', 'call.ended'] as const) this.calls.on(e, (v) => this.safeEmit(e, v));
    this.calls.on('call.quality', (q) => this.safeEmit('call.quality', q));
    this.calls.on('call.dtmf', (d) => this.safeEmit('call.dtmf', d));
    media.on('deviceChanged', (role, device, reason) => this.safeEmit('device.changed', { role, device, reason }));
    media.on('deviceError', (message) => this.safeEmit('device.error', { message }));
    stack.on('connectionClosed', (flow, reason) => this.onConnectionClosed(flow, reason));
    stack.on('malformed', (fault, flow) => this.safeEmit('message.malformed', { fault, from: `${flow.protocol}:${flow.host}:${flow.port}` }));
  }

  static async create(o: UserAgentOptions = {}): Promise<UserAgent> {
    const stack = await SipStack.open({ ...o, userAgent: o.userAgent ?? PARLEY_USER_AGENT });
    const address = stack.localAddress(stack.hasTransport('udp') ? 'udp' : 'tcp').host;
    let media: MediaEngineApi;
    try {
      media =
        o.media ??
        (o.mediaWorker
          ? await MediaWorkerHost.start({
              engine: {
                address,
                ...(o.mediaWorker.sampleRate !== undefined ? { sampleRate: o.mediaWorker.sampleRate } : {}),
                ...(o.voiceProcessing ? { echo: o.voiceProcessing } : {}),
              },
              devices: { module: ENGINE_DEVICES_MODULE, options: o.mediaWorker.devices },
              ...(o.logger ? { logger: o.logger } : {}),
            })
          : new MediaEngine({
              clock: stack.clock,
              address,
              logger: o.logger ?? nullLogger,
              ...(o.devices ? { devices: o.devices } : {}),
              ...(o.voiceProcessing ? { echo: o.voiceProcessing } : {}),
            }));
    } catch (error) {
      await stack.dispose();
      throw error;
    }
    return new UserAgent(stack, stack.clock, media, o);
  }

  /** Changes codec order, SRTP policy or recording for the next calls. */
  setCallPreferences(p: Partial<CallMediaPreferences>): void {
    this.preferences = { ...this.preferences, ...p };
  }

  /**
   * Places a call from `accountId` (through its proxy, with its credentials), or a direct call
   * to the target's address when no account is given.
   */
  dial(target: string, accountId?: string): CallView {
    return this.calls.dial(target, accountId !== undefined ? this.callAccount(this.entry(accountId)) : this.directAccount(this.directProtocol(target)));
  }

  /** A direct call goes over the target's transport (sips → TLS), else UDP, else what is open. */
  private directProtocol(target: string): 'udp' | 'tcp' | 'tls' {
    const wanted = /^sips:/i.test(target) ? 'tls' : /;transport=(udp|tcp|tls)\b/i.exec(target)?.[1]?.toLowerCase();
    if (wanted === 'udp' || wanted === 'tcp' || wanted === 'tls') return wanted;
    return (['udp', 'tcp', 'tls'] as const).find((p) => this.stack.hasTransport(p)) ?? 'udp';
  }

  private callAccount(e: AccountEntry): CallAccount {
    const a = e.account;
    return {
      id: a.config.id,
      aor: a.aor,
      ...(a.config.displayName !== undefined ? { displayName: a.config.displayName } : {}),
      routes: a.routes,
      protocol: a.protocol,
      secure: a.secure,
      authenticator: e.authenticator,
    };
  }

  /** Calls without an account: From is parley@<our address>. */
  private directAccount(protocol: 'udp' | 'tcp' | 'tls'): CallAccount {
    const local = this.stack.localAddress(protocol);
    return { id: null, aor: new SipUri('sip', local.host, 'parley', undefined, local.port), routes: [], protocol, secure: false };
  }

  /** The account whose AoR user matches the INVITE's Request-URI, else the first, else direct. */
  private accountForIncoming(req: SipRequest): CallAccount {
    const user = req.uri instanceof SipUri ? req.uri.user : undefined;
    const entries = [...this.accounts.values()];
    const match = entries.find((e) => e.account.aor.user === user) ?? entries[0];
    return match ? this.callAccount(match) : this.directAccount(this.directProtocol(req.uri.toString()));
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

  /** Registers and resolves with the first outcome: registered, or failed (with its reason). */
  registerAndWait(accountId: string): Promise<RegistrationView> {
    const registration = this.entry(accountId).registration;
    return new Promise((resolve) => {
      const off = registration.on('stateChanged', (v) => {
        if (v.state === 'registered' || v.state === 'failed') {
          off();
          resolve(v);
        }
      });
      registration.register();
    });
  }

  unregister(accountId: string, timeoutMs?: number): Promise<void> {
    return this.entry(accountId).registration.unregister(timeoutMs);
  }

  /**
   * Sends OPTIONS to `target` (RFC 3261 §11.1), through the account's proxy and with its
   * credentials when an account is given (a proxy may challenge it with 407).
   */
  async options(target: string, accountId?: string): Promise<OptionsResult> {
    const uri = parseSipUri(target, 'the OPTIONS target');
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
    await this.calls.hangupAll();
    await Promise.all([...this.accounts.values()].map((e) => e.registration.unregister(timeoutMs)));
    for (const e of this.accounts.values()) e.registration.dispose();
    this.accounts.clear();
    await this.stack.dispose();
    await this.media.close().catch(() => {});
    this.removeAllListeners();
  }

  /** Keep-alives on the connection a registration uses (RFC 5626 §4.4.1; TCP/TLS only). */
  private startKeepAlive(account: ResolvedAccount): void {
    if (account.protocol === 'udp') return;
    const seconds = account.config.keepAliveSeconds ?? DEFAULT_KEEPALIVE_SECONDS;
    if (seconds <= 0) return;
    void this.hopTargets(account).then((targets) => {
      const started = targets.some((t) => this.stack.keepAlive(t, seconds * 1000));
      this.log.debug('keep-alive', { account: account.config.id, started, seconds });
    });
  }

  /**
   * Where an account's requests go: its next hop as an address, or, for a name, its RFC 3263
   * targets (connections are kept by address, so a name has to be resolved to match them).
   */
  private async hopTargets(account: ResolvedAccount): Promise<{ protocol: TransportProtocol; host: string; port: number }[]> {
    const hop = account.nextHop;
    const host = stripBrackets(hop.host);
    if (isIP(host) !== 0) return [{ protocol: account.protocol, host, port: hop.port ?? (account.protocol === 'tls' ? 5061 : 5060) }];
    try {
      return (await this.stack.transport.resolve(hop)).map((t) => ({ protocol: t.protocol, host: stripBrackets(t.host), port: t.port }));
    } catch {
      return [];
    }
  }

  private entry(accountId: string): AccountEntry {
    const e = this.accounts.get(accountId);
    if (!e) throw new ValidationError(`no account ${accountId}`);
    return e;
  }

  /** A dropped connection to an account's next hop means its binding is gone (RFC 5626 §4.4.1). */
  private onConnectionClosed(flow: Flow, reason: string): void {
    this.safeEmit('connection.closed', { protocol: flow.protocol, host: flow.host, port: flow.port, reason });
    const flowHost = stripBrackets(flow.host);
    for (const { account, registration } of this.accounts.values()) {
      if (account.protocol !== flow.protocol) continue;
      void this.hopTargets(account).then((targets) => {
        if (!targets.some((t) => t.protocol === flow.protocol && t.host === flowHost && t.port === flow.port)) return;
        this.log.info('connection to registrar lost; registering again', { account: account.config.id, reason });
        registration.connectionLost();
      });
    }
  }
}

function stripBrackets(h: string): string {
  return h.startsWith('[') ? h.slice(1, -1) : h;
}
