import { isIP } from 'node:net';
import { SipParseError, TransportError, type TransportErrorCode } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { newBranch } from '../base/random-ids';
import { TypedEmitter } from '../base/typed-emitter';
import {
  STATUS,
  SipMessageError,
  SipRequest,
  SipResponse,
  Via,
  badRequestReason,
  parseErrorStatus,
  parseMessage,
  serializeMessage,
  type SipMessage,
  type SipUri,
} from '../sip';
import { buildErrorResponse } from './bad-request';
import { SipResolver, type ResolvePreferences, type ResolvedTarget } from './resolver';
import { RELIABLE, hostPort, type Destination, type Flow, type LocalAddress, type Transport, type TransportProtocol } from './transport';

/**
 * The transport layer facade (RFC 3261 §18): owns the transports, picks one for each request
 * (§18.1.1), writes the top Via (sent-by, transport, rport of RFC 3581), sends responses where
 * §18.2.2 and RFC 3581 §4 say, stamps received/rport on requests it receives (§18.2.1), drops
 * responses whose Via is not ours (§18.1.2), parses inbound bytes, and answers a malformed
 * request with 400 (or 505/513) naming the fault — then carries on.
 */
export interface TransportUser {
  onRequest(request: SipRequest, flow: Flow, local: LocalAddress): void;
  onResponse(response: SipResponse, flow: Flow, local: LocalAddress): void;
}

/** What the transaction layer needs of the transport layer (and nothing more). */
export interface SipTransport {
  /**
   * Fixes the transport for `request` (§18.1.1: a request over 1300 bytes goes over TCP when
   * one is available) and writes its top Via: protocol, sent-by, `rport` (RFC 3581 §3) and a
   * branch when there is none. Returns the destination to use. Throws TransportError
   * ('transport.unreachable') when no transport serves the protocol.
   */
  prepareRequest(request: SipRequest, dest: Destination): Destination;
  /** Sends a prepared request (or an ACK, or a retransmission). */
  send(message: SipMessage, dest: Destination): Promise<void>;
  /** Sends a response to a request that arrived on `requestFlow` (§18.2.2, RFC 3581 §4). */
  sendResponse(response: SipResponse, requestFlow: Flow): Promise<void>;
  setUser(user: TransportUser): void;
}

export interface TransportLayerEvents extends Record<string, unknown[]> {
  connectionOpened: [Flow];
  connectionClosed: [Flow, string];
  /** A message that could not be parsed: its fault, and whether a 400 was sent. */
  parseError: [SipParseError, Flow, boolean];
}

export interface TransportLayerStats {
  received: number;
  sent: number;
  parseErrors: number;
  errorResponsesSent: number;
  /** Responses dropped because their top Via was not ours (§18.1.2). */
  foreignResponses: number;
}

export interface SipTransportLayerOptions {
  readonly logger?: Logger;
  readonly resolver?: SipResolver;
  /** Above this size a UDP request moves to TCP (§18.1.1); default 1300. */
  readonly udpMaxBytes?: number;
  /** sent-by host to advertise when a transport is bound to a wildcard address. */
  readonly advertisedHost?: string;
}

export class SipTransportLayer extends TypedEmitter<TransportLayerEvents> implements SipTransport {
  readonly stats: TransportLayerStats = { received: 0, sent: 0, parseErrors: 0, errorResponsesSent: 0, foreignResponses: 0 };
  private readonly transports: Transport[] = [];
  private readonly sentBys = new Set<string>();
  private user: TransportUser | undefined;
  private readonly logger: Logger;
  private readonly resolver: SipResolver;

  constructor(private readonly options: SipTransportLayerOptions = {}) {
    super();
    this.logger = options.logger ?? nullLogger;
    this.resolver = options.resolver ?? new SipResolver();
    this.onListenerError = (event, error) => this.logger.warn('listener failed', { event, error: String(error) });
  }

  /** Pass as each transport's `onMessage`. */
  readonly receive = (bytes: Uint8Array, source: Flow, local: LocalAddress): void => this.onBytes(bytes, source, local);
  /** Pass as each stream transport's `connectionOpened`. */
  readonly connectionOpened = (flow: Flow): void => this.safeEmit('connectionOpened', flow);
  /** Pass as each stream transport's `connectionClosed`. */
  readonly connectionClosed = (flow: Flow, reason: string): void => this.safeEmit('connectionClosed', flow, reason);
  /** Pass as a stream transport's `onUnframeable`: answer the header section, then it closes. */
  readonly unframeable = (headers: Uint8Array, code: TransportErrorCode, reason: string, source: Flow, local: LocalAddress): void => {
    // RFC 3261 §21.5.14: 513 Message Too Large; a stream that cannot be cut gets 400.
    const status = code === 'transport.too-large' ? STATUS.MESSAGE_TOO_LARGE : STATUS.BAD_REQUEST;
    this.onMalformed(headers, new SipMessageError(reason, 0, status), source, local);
  };

  addTransport(transport: Transport): void {
    this.transports.push(transport);
  }

  setUser(user: TransportUser): void {
    this.user = user;
  }

  /** RFC 3263 targets for a SIP/SIPS URI, restricted to the protocols we have transports for. */
  resolve(uri: SipUri, prefs: ResolvePreferences = {}): Promise<ResolvedTarget[]> {
    const supported = prefs.supported ?? [...new Set(this.transports.map((t) => t.protocol))];
    return this.resolver.resolve(
      { secure: uri.scheme === 'sips', host: uri.host, port: uri.port, transport: uri.transport, maddr: uri.maddr },
      { ...prefs, supported },
    );
  }

  prepareRequest(request: SipRequest, dest: Destination): Destination {
    // RFC 3261 §26.2: a SIPS Request-URI is sent over TLS only.
    if (request.uri.kind === 'sip' && request.uri.scheme === 'sips' && dest.protocol !== 'tls') {
      throw new TransportError('transport.tls', `a sips request cannot go over ${dest.protocol}`);
    }
    let target = dest;
    let transport = this.pick(target);
    this.writeVia(request, transport);
    const size = serializeMessage(request).length;
    // §18.1.1: "larger than 1300 bytes and the path MTU is unknown … MUST be sent using … TCP".
    if (target.protocol === 'udp' && size > (this.options.udpMaxBytes ?? 1300)) {
      const tcp = this.find({ ...target, protocol: 'tcp' });
      if (tcp) {
        target = { ...target, protocol: 'tcp' };
        transport = tcp;
        this.writeVia(request, transport);
      } else {
        this.logger.debug('large request stays on udp: no tcp transport', { size });
      }
    }
    return target;
  }

  async send(message: SipMessage, dest: Destination): Promise<void> {
    const bytes = serializeMessage(message);
    await this.pick(dest).send(bytes, dest);
    this.stats.sent++;
  }

  async sendResponse(response: SipResponse, requestFlow: Flow): Promise<void> {
    const via = response.via;
    const protocol = requestFlow.protocol;
    const bytes = serializeMessage(response);
    // §18.2.2: reliable — "the response MUST be sent using the existing connection"; if it is
    // gone, a new connection to received (or sent-by) and port.
    if (RELIABLE[protocol] && requestFlow.connectionId !== undefined) {
      const transport = this.pick(requestFlow);
      try {
        await transport.send(bytes, { ...requestFlow, connectionOnly: true });
        this.stats.sent++;
        return;
      } catch (error) {
        if (!(error instanceof TransportError) || error.code !== 'transport.closed') throw error;
      }
    }
    const dest = responseDestination(via, requestFlow);
    await this.pick(dest).send(bytes, dest);
    this.stats.sent++;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.dispose()));
    this.transports.length = 0;
    this.removeAllListeners();
  }

  private onBytes(bytes: Uint8Array, source: Flow, local: LocalAddress): void {
    this.stats.received++;
    let message: SipRequest | SipResponse;
    try {
      message = parseMessage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), {
        mode: RELIABLE[source.protocol] ? 'stream' : 'datagram',
      });
    } catch (error) {
      const fault = error instanceof SipParseError ? error : new SipParseError(`unparseable message: ${String(error)}`, 0);
      this.onMalformed(bytes, fault, source, local);
      return;
    }
    try {
      this.deliver(message, source, local);
    } catch (error) {
      // A fault in a lazily parsed header or in the layer above must not stop the transport.
      this.logger.error('inbound message handling failed', { from: hostPort(source.host, source.port), error: String(error) });
    }
  }

  private deliver(message: SipRequest | SipResponse, source: Flow, local: LocalAddress): void {
    if (message instanceof SipRequest) {
      stampReceived(message, source);
      this.user?.onRequest(message, source, local);
    } else {
      // §18.1.2: a response whose top Via sent-by is not ours is discarded.
      if (!this.sentBys.has(sentByKey(message.via.host, message.via.port))) {
        this.stats.foreignResponses++;
        this.logger.debug('response for another sent-by dropped', { sentBy: message.via.sentBy });
        return;
      }
      this.user?.onResponse(message, source, local);
    }
  }

  private onMalformed(bytes: Uint8Array, error: SipParseError, source: Flow, local: LocalAddress): void {
    this.stats.parseErrors++;
    const answer = buildErrorResponse(bytes, parseErrorStatus(error), badRequestReason(error));
    this.logger.info('malformed message', { from: hostPort(source.host, source.port), fault: error.message, answered: answer !== undefined });
    if (answer) {
      // Back to where it came from: the Via may be the faulty part (RFC 3581 §4 in spirit).
      const transport = this.find(source) ?? this.transports.find((t) => t.local === local);
      transport
        ?.send(answer, source)
        .then(() => this.stats.errorResponsesSent++)
        .catch((e: unknown) => this.logger.debug('could not answer malformed message', { error: String(e) }));
    }
    this.safeEmit('parseError', error, source, answer !== undefined);
  }

  private writeVia(request: SipRequest, transport: Transport): void {
    const host = this.sentByHost(transport.local);
    const port = transport.local.port === 0 ? undefined : transport.local.port;
    const existing = request.vias[0];
    const via = existing ? existing.clone() : new Via(transport.protocol.toUpperCase(), host, port);
    via.transport = transport.protocol.toUpperCase();
    via.host = host;
    via.port = port;
    if (via.branch === undefined) via.branch = newBranch();
    // RFC 3581 §3: "the client MUST include an rport parameter with no value".
    if (!via.params.has('rport')) via.params.set('rport');
    if (existing) request.replaceTopVia(via);
    else request.prepend('Via', via.toString());
    this.sentBys.add(sentByKey(host, port));
  }

  private sentByHost(local: LocalAddress): string {
    const h = local.host === '0.0.0.0' || local.host === '::' ? (this.options.advertisedHost ?? '127.0.0.1') : local.host;
    return isIP(h) === 6 ? `[${h}]` : h;
  }

  private find(dest: { protocol: TransportProtocol; host: string }): Transport | undefined {
    const family = isIP(dest.host);
    return (
      this.transports.find((t) => t.protocol === dest.protocol && sameFamily(t.local.host, family)) ??
      this.transports.find((t) => t.protocol === dest.protocol && (t.local.host === '::' || isIP(t.local.host) === 0))
    );
  }

  private pick(dest: { protocol: TransportProtocol; host: string }): Transport {
    const t = this.find(dest);
    if (!t) throw new TransportError('transport.unreachable', `no ${dest.protocol} transport for ${dest.host}`);
    return t;
  }
}

function sameFamily(localHost: string, destFamily: number): boolean {
  const own = isIP(localHost);
  return own === 0 || destFamily === 0 || own === destFamily;
}

function sentByKey(host: string, port: number | undefined): string {
  return `${host.toLowerCase()}:${port ?? ''}`;
}

/**
 * §18.2.1: "the server transport MUST … add a received parameter" when sent-by's host differs
 * from the packet's source; RFC 3581 §4: with `rport` present, fill it with the source port and
 * always add received.
 */
export function stampReceived(request: SipRequest, source: Flow): void {
  const via = request.via;
  const bare = via.host.startsWith('[') ? via.host.slice(1, -1) : via.host;
  const hasRport = via.params.has('rport');
  if (bare === source.host && !hasRport) return;
  const stamped = via.clone();
  if (bare !== source.host || hasRport) stamped.params.set('received', source.host);
  if (hasRport) stamped.params.set('rport', String(source.port));
  request.replaceTopVia(stamped);
}

/** §18.2.2 for unreliable transports (and reliable ones whose connection is gone). */
export function responseDestination(via: Via, requestFlow: Flow): Destination {
  const protocol = requestFlow.protocol;
  const defaultPort = protocol === 'tls' ? 5061 : 5060;
  // "if the sent-by … has a maddr parameter, the response MUST be forwarded to the address
  // listed there, using the port indicated in sent-by, or port 5060 if none is present".
  if (via.maddr !== undefined) return { protocol, host: stripBrackets(via.maddr), port: via.port ?? defaultPort };
  const rport = via.rport;
  const received = via.received;
  // RFC 3581 §4: "send it to the IP address from which the request was received and the port
  // in the rport parameter".
  if (typeof rport === 'number') return { protocol, host: stripBrackets(received ?? requestFlow.host), port: rport };
  if (received !== undefined) return { protocol, host: stripBrackets(received), port: via.port ?? defaultPort };
  return { protocol, host: stripBrackets(via.host), port: via.port ?? defaultPort };
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
