import type { Clock } from '../../base/clock';
import type { Datagram, DatagramHandler, RemoteAddress } from './datagram';

export interface MemoryNetworkOptions {
  /** Delivers through the clock after this one-way delay (ms); without a clock, synchronously. */
  readonly clock?: Clock;
  readonly delayMs?: number;
  /** Drops a datagram when it returns true (loss scripts). */
  readonly drop?: (data: Uint8Array, from: RemoteAddress, to: RemoteAddress) => boolean;
}

/**
 * An in-memory UDP network on one address (127.0.0.1): sockets bound to ports, datagrams
 * copied on send (the sender may reuse its buffer) and delivered after `delayMs` of virtual time.
 */
export class MemoryNetwork {
  readonly address = '127.0.0.1';
  private readonly sockets = new Map<number, MemoryDatagram>();
  private nextPort = 40000;

  constructor(private readonly options: MemoryNetworkOptions = {}) {}

  open(port?: number): MemoryDatagram {
    const p = port ?? this.nextPort++;
    if (this.sockets.has(p)) throw new Error(`port ${p} in use`);
    const s = new MemoryDatagram(this, p);
    this.sockets.set(p, s);
    return s;
  }

  openSockets(): number {
    return this.sockets.size;
  }

  /** @internal */
  deliver(from: MemoryDatagram, data: Uint8Array, to: RemoteAddress): void {
    const src: RemoteAddress = { address: this.address, port: from.localPort };
    if (this.options.drop?.(data, src, to)) return;
    const copy = Buffer.from(data);
    const run = (): void => {
      if (to.address !== this.address) return;
      this.sockets.get(to.port)?.receive(copy, src);
    };
    if (this.options.clock) this.options.clock.setTimeout(run, this.options.delayMs ?? 0);
    else run();
  }

  /** @internal */
  release(port: number): void {
    this.sockets.delete(port);
  }
}

export class MemoryDatagram implements Datagram {
  private handler: DatagramHandler | undefined;
  private closed = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly localPort: number,
  ) {}

  send(buf: Uint8Array, offset: number, length: number, port: number, address: string): void {
    if (this.closed) return;
    this.network.deliver(this, buf.subarray(offset, offset + length), { address, port });
  }

  onMessage(handler: DatagramHandler | undefined): void {
    this.handler = handler;
  }

  /** @internal */
  receive(data: Buffer, from: RemoteAddress): void {
    if (!this.closed) this.handler?.(data, from);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    this.network.release(this.localPort);
  }
}
