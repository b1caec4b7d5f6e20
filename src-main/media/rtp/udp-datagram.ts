import { createSocket, type Socket } from 'node:dgram';
import type { Datagram, DatagramHandler } from './datagram';

const SLOT_BYTES = 2048;

/** One reusable send buffer and its completion callback, made once. */
interface Slot {
  readonly buf: Buffer;
  readonly done: () => void;
}

/**
 * A `Datagram` on a real node:dgram UDP socket. node:dgram sends after a nextTick (address
 * lookup), so bytes are copied into a pooled slot that returns to the pool in the send
 * callback: callers may reuse their buffer at once, and steady-state sending allocates no
 * buffers here (the pool grows only under bursts).
 */
export class UdpDatagram implements Datagram {
  private handler: DatagramHandler | undefined;
  private closed = false;
  private readonly free: Slot[] = [];

  private constructor(
    private readonly socket: Socket,
    readonly localPort: number,
  ) {
    socket.on('message', (msg, rinfo) => this.handler?.(msg, rinfo));
    // A send error (ICMP unreachable surfaced as ECONNREFUSED, etc.) must not crash the process.
    socket.on('error', () => {});
  }

  /** Binds a UDP socket on `address` (IPv4 or IPv6 literal) and `port` (0 = any free port). */
  static async open(address = '127.0.0.1', port = 0): Promise<UdpDatagram> {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpDatagram(socket, socket.address().port);
  }

  send(buf: Uint8Array, offset: number, length: number, port: number, address: string): void {
    if (this.closed) return;
    if (length > SLOT_BYTES) {
      this.socket.send(Buffer.from(buf.subarray(offset, offset + length)), port, address);
      return;
    }
    const slot = this.free.pop() ?? this.newSlot();
    slot.buf.set(buf.subarray(offset, offset + length));
    this.socket.send(slot.buf, 0, length, port, address, slot.done);
  }

  onMessage(handler: DatagramHandler | undefined): void {
    this.handler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    this.socket.close();
  }

  private newSlot(): Slot {
    const slot: Slot = { buf: Buffer.alloc(SLOT_BYTES), done: () => this.free.push(slot) };
    return slot;
  }
}
