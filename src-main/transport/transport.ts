/**
 * The byte-level transport contract (RFC 3261 §18). A `Transport` moves whole SIP messages as
 * bytes for one protocol; the `SipTransportLayer` facade (transport-layer.ts) parses, chooses
 * transports and fixes Via headers on top of it. The transaction layer sees only the facade's
 * interface, never sockets.
 */
export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export const RELIABLE: Readonly<Record<TransportProtocol, boolean>> = { udp: false, tcp: true, tls: true };

/** Where to send: a resolved IP (or loop name) and port, over one protocol. */
export interface Destination {
  readonly protocol: TransportProtocol;
  readonly host: string;
  readonly port: number;
  /**
   * For stream transports: send on exactly this connection (RFC 3261 §18.2.2 "the response
   * MUST be sent using the existing connection"). When it is gone, a new one is opened to
   * host:port unless `connectionOnly` is set.
   */
  readonly connectionId?: string;
  readonly connectionOnly?: boolean;
  /** TLS: the name to verify the certificate against and to send as SNI (RFC 5922 §4). */
  readonly serverName?: string;
}

/** The far end of a message that arrived (the "flow" of RFC 5626). */
export interface Flow {
  readonly protocol: TransportProtocol;
  readonly host: string;
  readonly port: number;
  /** Set for stream transports: the connection the message came on. */
  readonly connectionId?: string;
}

/** The local end a transport listens on (or is bound to). */
export interface LocalAddress {
  readonly protocol: TransportProtocol;
  readonly host: string;
  readonly port: number;
}

/** Receives every whole message (datagram, or one framed message of a stream). */
export type InboundHandler = (bytes: Uint8Array, source: Flow, local: LocalAddress) => void;

/** Stream connection life-cycle, so registrations can refresh on a new flow (RFC 5626 §4.4). */
export interface TransportEvents {
  connectionOpened?(flow: Flow): void;
  connectionClosed?(flow: Flow, reason: string): void;
}

export interface Transport {
  readonly protocol: TransportProtocol;
  /** TCP and TLS are reliable; UDP is not (RFC 3261 §17: drives timers A, E, G, D, I, J, K). */
  readonly isReliable: boolean;
  /** The bound / listening address (for Via sent-by and Contact). */
  readonly local: LocalAddress;
  /**
   * Sends one whole message. Rejects with a `TransportError`: `transport.unreachable`,
   * `transport.closed`, `transport.tls`, `transport.timeout` or `transport.too-large`.
   */
  send(bytes: Uint8Array, dest: Destination): Promise<void>;
  /** Closes sockets and connections; idempotent. */
  dispose(): Promise<void>;
}

/** Options every transport factory takes for its inbound side. */
export interface TransportCallbacks extends TransportEvents {
  readonly onMessage: InboundHandler;
}

/** "127.0.0.1:5060" or "[::1]:5060". */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The pool key of a remote flow: one connection per protocol, host and port. */
export function flowKey(f: { protocol: TransportProtocol; host: string; port: number }): string {
  return `${f.protocol}:${hostPort(f.host, f.port)}`;
}
