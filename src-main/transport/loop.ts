import type { Clock, TimerHandle } from '../base/clock';
import { TransportError, type TransportErrorCode } from '../base/errors';
import {
  RELIABLE,
  hostPort,
  type Destination,
  type Flow,
  type InboundHandler,
  type LocalAddress,
  type Transport,
  type TransportEvents,
  type TransportProtocol,
} from './transport';

/**
 * An in-memory network for tests, after pjsip's loop transport (`sip_transport_loop.h`):
 * endpoints exchange bytes through the injected clock, with knobs to drop packets (the next N,
 * or by predicate), delay them (virtual time), and make sends fail. Every packet is logged.
 * Delivery always goes through `clock.setTimeout(delay)`, so a test moves the network forward
 * with `clock.advance(…)` and nothing happens re-entrantly inside `send`.
 */
export interface LoopPacket {
  readonly from: LocalAddress;
  readonly to: Destination;
  readonly bytes: Uint8Array;
  /** The bytes as UTF-8 text, for assertions. */
  readonly text: string;
  /** Virtual time of the send. */
  readonly sentAt: number;
  dropped: boolean;
}

export interface LoopEndpointOptions extends TransportEvents {
  readonly host: string;
  readonly port: number;
  /** 'udp' (unreliable, the default) or 'tcp'/'tls' (reliable: no retransmission timers). */
  readonly protocol?: TransportProtocol;
  readonly onMessage: InboundHandler;
}

export class LoopNetwork {
  /** Every packet sent, in order, with whether it was dropped. */
  readonly log: LoopPacket[] = [];
  private readonly endpoints = new Map<string, LoopTransport>();
  private readonly inFlight = new Set<TimerHandle>();
  private dropCount = 0;
  private dropFilter: ((p: LoopPacket) => boolean) | undefined;
  private dropPredicate: ((p: LoopPacket) => boolean) | undefined;
  private failure: ((p: LoopPacket) => TransportErrorCode | undefined) | undefined;
  /** Delivery delay in ms of virtual time; default 0 (next `advance`). */
  delayMs = 0;

  constructor(readonly clock: Clock) {}

  /** A transport bound to host:port on this network. */
  createTransport(options: LoopEndpointOptions): LoopTransport {
    const protocol = options.protocol ?? 'udp';
    const key = endpointKey(protocol, options.host, options.port);
    if (this.endpoints.has(key)) throw new TransportError('transport.unreachable', `loop address ${key} is in use`);
    const t = new LoopTransport(this, { protocol, host: options.host, port: options.port }, options);
    this.endpoints.set(key, t);
    return t;
  }

  /** Drops the next `n` packets (that match `filter`, when given). */
  dropNext(n: number, filter?: (p: LoopPacket) => boolean): void {
    this.dropCount = n;
    this.dropFilter = filter;
  }

  /** Drops every packet for which `predicate` holds, until set to undefined. */
  dropWhen(predicate: ((p: LoopPacket) => boolean) | undefined): void {
    this.dropPredicate = predicate;
  }

  /** Makes sends reject with the returned code (pjsip `_set_failure`); undefined = no failure. */
  failWhen(rule: ((p: LoopPacket) => TransportErrorCode | undefined) | undefined): void {
    this.failure = rule;
  }

  /** Packets sent (not dropped) whose text matches, e.g. `sent(/^INVITE /)`. */
  sent(pattern?: RegExp): LoopPacket[] {
    return this.log.filter((p) => !p.dropped && (pattern === undefined || pattern.test(p.text)));
  }

  /** Open endpoints (STYLE §13: tests end with none open). */
  openSockets(): number {
    return this.endpoints.size;
  }

  /** Closes the "connection" between two reliable endpoints: both hear `connectionClosed`. */
  breakConnection(a: LoopTransport, b: LoopTransport, reason = 'connection reset'): void {
    a.events.connectionClosed?.(b.flowFrom(a), reason);
    b.events.connectionClosed?.(a.flowFrom(b), reason);
  }

  /** @internal */
  transmit(from: LoopTransport, bytes: Uint8Array, to: Destination): Promise<void> {
    const packet: LoopPacket = {
      from: from.local,
      to,
      bytes: Uint8Array.from(bytes),
      text: Buffer.from(bytes).toString('utf8'),
      sentAt: this.clock.now(),
      dropped: false,
    };
    const failCode = this.failure?.(packet);
    if (failCode) {
      packet.dropped = true;
      this.log.push(packet);
      return Promise.reject(new TransportError(failCode, `loop send to ${hostPort(to.host, to.port)} failed`));
    }
    this.log.push(packet);
    const target = this.endpoints.get(endpointKey(to.protocol, to.host, to.port));
    if (!target) {
      packet.dropped = true;
      // A datagram to nowhere vanishes; a connection to nowhere is refused.
      return RELIABLE[to.protocol]
        ? Promise.reject(new TransportError('transport.unreachable', `nothing listens on loop ${hostPort(to.host, to.port)}`))
        : Promise.resolve();
    }
    if (this.shouldDrop(packet)) {
      packet.dropped = true;
      return Promise.resolve();
    }
    const handle = this.clock.setTimeout(() => {
      this.inFlight.delete(handle);
      target.deliver(packet.bytes, target.flowFrom(from));
    }, this.delayMs);
    this.inFlight.add(handle);
    return Promise.resolve();
  }

  /** @internal */
  unbind(t: LoopTransport): void {
    this.endpoints.delete(endpointKey(t.protocol, t.local.host, t.local.port));
    if (this.endpoints.size === 0) {
      for (const h of this.inFlight) this.clock.clearTimeout(h);
      this.inFlight.clear();
    }
  }

  private shouldDrop(p: LoopPacket): boolean {
    if (this.dropPredicate?.(p)) return true;
    if (this.dropCount > 0 && (this.dropFilter === undefined || this.dropFilter(p))) {
      this.dropCount--;
      return true;
    }
    return false;
  }
}

export class LoopTransport implements Transport {
  readonly protocol: TransportProtocol;
  readonly isReliable: boolean;
  private disposed = false;

  constructor(
    private readonly network: LoopNetwork,
    readonly local: LocalAddress,
    readonly events: LoopEndpointOptions,
  ) {
    this.protocol = local.protocol;
    this.isReliable = RELIABLE[local.protocol];
  }

  send(bytes: Uint8Array, dest: Destination): Promise<void> {
    if (this.disposed) return Promise.reject(new TransportError('transport.closed', 'loop transport is closed'));
    return this.network.transmit(this, bytes, dest);
  }

  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.network.unbind(this);
    }
    return Promise.resolve();
  }

  /** @internal the flow a message from `peer` arrives on, as this endpoint sees it. */
  flowFrom(peer: LoopTransport): Flow {
    const base = { protocol: this.protocol, host: peer.local.host, port: peer.local.port };
    return this.isReliable ? { ...base, connectionId: `loop:${hostPort(peer.local.host, peer.local.port)}` } : base;
  }

  /** @internal */
  deliver(bytes: Uint8Array, source: Flow): void {
    if (!this.disposed) this.events.onMessage(bytes, source, this.local);
  }
}

function endpointKey(protocol: TransportProtocol, host: string, port: number): string {
  // Reliable loop endpoints share one key space: a 'tcp' sender reaches a 'tcp' listener.
  return `${protocol}:${hostPort(host, port)}`;
}
