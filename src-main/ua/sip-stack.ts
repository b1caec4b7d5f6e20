/**
 * The SIP stack one user agent runs on: transports (UDP, TCP, TLS), the transport layer, the
 * transaction layer, RFC 3263 target selection with fail-over for out-of-dialog requests, and
 * the UAS core that answers what no feature handles (OPTIONS, 405, 481, 420, 415 …).
 */
import { systemClock, type Clock } from '../base/clock';
import { TransportError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { newTag } from '../base/random-ids';
import { TypedEmitter } from '../base/typed-emitter';
import { METHODS, NameAddr, parseUri, SipUri, type SipRequest, type SipResponse } from '../sip';
import type { ServerTransaction } from '../transaction/transaction-layer';
import type { InviteServerTransaction } from '../transaction/invite-server';
import { TransactionLayer } from '../transaction/transaction-layer';
import type { TimerBase } from '../transaction/timers';
import type { DnsFunctions } from '../transport/resolver';
import { SipResolver, systemDns } from '../transport/resolver';
import { StreamTransport } from '../transport/stream-transport';
import { openTcpTransport } from '../transport/tcp';
import { openTlsTransport } from '../transport/tls';
import { SipTransportLayer } from '../transport/transport-layer';
import type { Destination, Flow, LocalAddress, Transport, TransportProtocol } from '../transport/transport';
import { UdpTransport } from '../transport/udp';
import type { RequestOutcome, RequestSender } from './request-sender';
import { inspectRequest, optionsResponse, rejectionResponse, type UasCapabilities } from './uas-core';

export interface SipStackOptions {
  /** Where to listen for UDP and TCP (default 0.0.0.0, port 0 = any free port). */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Which transports to open (default all three; TLS is client-only unless certificates are given). */
  readonly transports?: readonly TransportProtocol[];
  readonly tls?: { readonly caFile?: string; readonly rejectUnauthorized?: boolean };
  /** The address we put in Via and Contact when listening on a wildcard address. */
  readonly advertisedHost?: string;
  readonly userAgent?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly timers?: TimerBase;
  readonly dns?: DnsFunctions;
}

export interface SipStackEvents extends Record<string, unknown[]> {
  /** A connection (TCP/TLS) closed; registrations over it must refresh. */
  connectionClosed: [Flow, string];
  /** A malformed message arrived (it was answered with 400 where possible). */
  malformed: [string, Flow];
  /** The caller cancelled an INVITE we had not answered; 200 and 487 are already sent (§9.2). */
  inviteCancelled: [InviteServerTransaction];
}

/** Handles one method's new requests; returns false to let the UAS core reject it. */
export type RequestHandler = (request: SipRequest, transaction: ServerTransaction) => void;

export class SipStack extends TypedEmitter<SipStackEvents> implements RequestSender {
  readonly transactions: TransactionLayer;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly dialogMatchers: ((req: SipRequest) => boolean)[] = [];
  /** Where ACKs for 2xx go (the dialog layer, §13.3.1.4); dropped without one (§17.2.3). */
  ackHandler: ((ack: SipRequest, flow: Flow) => void) | undefined;
  private readonly log: Logger;
  private disposed = false;

  private constructor(
    readonly transport: SipTransportLayer,
    private readonly locals: ReadonlyMap<TransportProtocol, LocalAddress>,
    private readonly streams: ReadonlyMap<TransportProtocol, StreamTransport>,
    private readonly o: SipStackOptions,
    readonly clock: Clock,
  ) {
    super();
    this.log = (o.logger ?? nullLogger).child('ua.stack');
    this.transactions = new TransactionLayer(
      transport,
      {
        onRequest: (req, tx) => this.onRequest(req, tx),
        onAck: (ack, flow) => this.ackHandler?.(ack, flow),
        onCancel: (_cancel, invite) => {
          invite.respond(rejectionResponse(invite.request, { status: 487, headers: [] }, invite.toTag ?? newTag()));
          this.safeEmit('inviteCancelled', invite);
        },
      },
      { clock, logger: o.logger ?? nullLogger, ...(o.timers ? { timers: o.timers } : {}) },
    );
    transport.on('connectionClosed', (flow, reason) => this.safeEmit('connectionClosed', flow, reason));
    transport.on('parseError', (error, flow) => this.safeEmit('malformed', error.message, flow));
  }

  /** Opens the transports and wires the layers. Rejects with TransportError if a port cannot be bound. */
  static async open(o: SipStackOptions = {}): Promise<SipStack> {
    const clock = o.clock ?? systemClock;
    const logger = o.logger ?? nullLogger;
    const listen = o.listen ?? { host: '0.0.0.0', port: 0 };
    const wanted = o.transports ?? ['udp', 'tcp', 'tls'];
    const layer = new SipTransportLayer({
      logger: logger.child('transport'),
      resolver: new SipResolver(o.dns ?? systemDns()),
      ...(o.advertisedHost !== undefined ? { advertisedHost: o.advertisedHost } : {}),
    });
    const locals = new Map<TransportProtocol, LocalAddress>();
    const streams = new Map<TransportProtocol, StreamTransport>();
    const add = (t: Transport) => {
      layer.addTransport(t);
      locals.set(t.protocol, t.local);
      if (t instanceof StreamTransport) streams.set(t.protocol, t);
    };
    const callbacks = { onMessage: layer.receive, connectionOpened: layer.connectionOpened, connectionClosed: layer.connectionClosed, onUnframeable: layer.unframeable };
    try {
      if (wanted.includes('udp')) add(await UdpTransport.open({ ...callbacks, host: listen.host, port: listen.port, logger: logger.child('transport.udp') }));
      if (wanted.includes('tcp')) {
        add(await openTcpTransport({ ...callbacks, clock, logger: logger.child('transport.tcp'), listen: { host: listen.host, port: listen.port }, localHost: listen.host }));
      }
      if (wanted.includes('tls')) {
        add(
          await openTlsTransport({
            ...callbacks,
            clock,
            logger: logger.child('transport.tls'),
            localHost: listen.host,
            ...(o.tls?.caFile !== undefined ? { caFile: o.tls.caFile } : {}),
            ...(o.tls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
          }),
        );
      }
    } catch (error) {
      await layer.dispose();
      throw error;
    }
    return new SipStack(layer, locals, streams, o, clock);
  }

  /** What the UAS core advertises and accepts; features add their methods with `handle`. */
  capabilities(): UasCapabilities {
    return {
      methods: [METHODS.OPTIONS, METHODS.ACK, METHODS.CANCEL, ...[...this.handlers.keys()].filter((m) => m !== METHODS.OPTIONS)],
      accept: ['application/sdp', 'text/plain'],
      supported: ['path', 'outbound', '100rel', 'timer'],
      events: [],
      ...(this.o.userAgent ? { userAgent: this.o.userAgent } : {}),
    };
  }

  /** Routes new requests of `method` to `handler` (after the §8.2 checks). */
  handle(method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler);
  }

  /** Lets the dialog layer claim in-dialog requests so they do not get 481. */
  addDialogMatcher(matcher: (req: SipRequest) => boolean): void {
    this.dialogMatchers.push(matcher);
  }

  /**
   * Sends RFC 5626 §4.4.1 CRLF keep-alives every `intervalMs` on the open connection to `remote`
   * (TCP/TLS): NAT bindings stay open, and a peer that stops answering with a pong has its
   * connection closed, which makes registrations over it refresh on a new one. Returns false
   * when there is no such connection (UDP, or not connected).
   */
  keepAlive(remote: { protocol: TransportProtocol; host: string; port: number }, intervalMs: number): boolean {
    const stream = this.streams.get(remote.protocol);
    const flow = stream?.connectionTo(remote);
    if (!stream || flow?.connectionId === undefined) return false;
    stream.keepAlive.start(flow.connectionId, intervalMs);
    return true;
  }

  hasTransport(protocol: TransportProtocol): boolean {
    return this.locals.has(protocol);
  }

  /** The local address for a protocol, as we advertise it in Contact. */
  localAddress(protocol: TransportProtocol): { host: string; port: number } {
    const local = this.locals.get(protocol);
    if (!local) throw new TransportError('transport.unreachable', `no ${protocol} transport is open`);
    const host = local.host === '0.0.0.0' || local.host === '::' ? (this.o.advertisedHost ?? '127.0.0.1') : local.host;
    return { host, port: local.port };
  }

  /** A Contact for `user` reachable over `protocol`. */
  contactFor(user: string | undefined, protocol: TransportProtocol, secure = false): NameAddr {
    const { host, port } = this.localAddress(protocol);
    const uri = new SipUri(secure ? 'sips' : 'sip', host.includes(':') && !host.startsWith('[') ? `[${host}]` : host, user, undefined, port || undefined);
    if (protocol !== 'udp' && !secure) uri.params.set('transport', protocol);
    return NameAddr.create(uri);
  }

  /**
   * Sends an out-of-dialog request to its next hop (the first Route when it is a loose route,
   * else the Request-URI), trying the RFC 3263 targets in order: a timeout or a transport error
   * moves on to the next target with a new branch (RFC 3263 §4.3).
   */
  async send(request: SipRequest, onProvisional?: (response: SipResponse) => void): Promise<RequestOutcome> {
    const hop = nextHop(request);
    if (!(hop instanceof SipUri)) {
      return { kind: 'transport-error', error: new TransportError('transport.unreachable', `cannot route to ${hop.toString()}: not a SIP URI`) };
    }
    let targets;
    try {
      targets = await this.transport.resolve(hop);
    } catch (error) {
      return { kind: 'transport-error', error: error instanceof TransportError ? error : new TransportError('transport.dns', String(error)) };
    }
    if (targets.length === 0) return { kind: 'transport-error', error: new TransportError('transport.dns', `no SIP server found for ${hop.host}`) };
    let last: RequestOutcome = { kind: 'timeout' };
    for (const target of targets) {
      if (this.disposed) break;
      const attempt = request;
      if (attempt.vias.length > 0) attempt.remove('Via'); // a new branch for each target
      const dest: Destination = { protocol: target.protocol, host: target.host, port: target.port, serverName: target.serverName };
      last = await this.sendOnce(attempt, dest, onProvisional);
      if (last.kind === 'response') return last;
      this.log.info('target failed, trying the next', { target: `${target.protocol}:${target.host}:${target.port}`, outcome: last.kind });
    }
    return last;
  }

  /** Sends through one client transaction to one destination. */
  sendOnce(request: SipRequest, dest: Destination, onProvisional?: (response: SipResponse) => void): Promise<RequestOutcome> {
    return new Promise<RequestOutcome>((resolve) => {
      let settled = false;
      const settle = (o: RequestOutcome) => {
        if (!settled) {
          settled = true;
          resolve(o);
        }
      };
      try {
        this.transactions.sendRequest(request, dest, {
          receiveResponse: (response) => {
            if (response.status < 200) onProvisional?.(response);
            else settle({ kind: 'response', response });
          },
          onRequestTimeout: () => settle({ kind: 'timeout' }),
          onTransportError: (error) => settle({ kind: 'transport-error', error }),
          onTerminated: () => settle({ kind: 'timeout' }),
        });
      } catch (error) {
        settle({ kind: 'transport-error', error: error instanceof TransportError ? error : new TransportError('transport.unreachable', String(error)) });
      }
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.transactions.dispose();
    await this.transport.dispose();
    this.removeAllListeners();
  }

  private onRequest(req: SipRequest, tx: ServerTransaction): void {
    const caps = this.capabilities();
    const rejection = inspectRequest(req, caps, (r) => this.dialogMatchers.some((m) => m(r)));
    if (rejection) {
      this.log.info('request rejected', { method: req.method, status: rejection.status });
      tx.respond(rejectionResponse(req, rejection, newTag(), this.o.userAgent));
      return;
    }
    const handler = this.handlers.get(req.method);
    if (handler) {
      handler(req, tx);
      return;
    }
    if (req.method === METHODS.OPTIONS) tx.respond(optionsResponse(req, caps, newTag()));
  }
}

/** RFC 3261 §8.1.2: the first Route if it is a loose route, else the Request-URI. */
function nextHop(request: SipRequest) {
  const first = request.routes[0];
  if (first && first.uri instanceof SipUri && first.uri.lr) return first.uri;
  return request.uri;
}

/** Parses `sip:host:port;transport=x` style proxy strings (CLI, settings). */
export function parseProxy(text: string): SipUri {
  const uri = parseUri(text.startsWith('sip:') || text.startsWith('sips:') ? text : `sip:${text}`);
  if (!(uri instanceof SipUri)) throw new TransportError('transport.unreachable', `proxy must be a sip: or sips: URI: ${text}`);
  return uri;
}
