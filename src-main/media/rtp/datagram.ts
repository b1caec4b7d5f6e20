/**
 * The socket an RTP session sends and receives on, injected so tests can use real UDP on
 * 127.0.0.1 (`udp-datagram.ts`) or an in-memory network in virtual time (`memory-datagram.ts`).
 * The send signature mirrors node:dgram's (buffer, offset, length, port, address), so the send
 * path passes a region of one preallocated buffer without making a view per packet.
 */
export interface RemoteAddress {
  readonly address: string;
  readonly port: number;
}

export type DatagramHandler = (data: Buffer, from: RemoteAddress) => void;

export interface Datagram {
  /** The local port this socket is bound to. */
  readonly localPort: number;
  /**
   * Sends `buf[offset..offset+length)`. The caller may overwrite `buf` as soon as this
   * returns: an implementation that sends later copies first.
   */
  send(buf: Uint8Array, offset: number, length: number, port: number, address: string): void;
  /** Sets (or with undefined, clears) the single receive handler. */
  onMessage(handler: DatagramHandler | undefined): void;
  close(): void;
}

export function sameAddress(a: RemoteAddress, b: RemoteAddress): boolean {
  return a.port === b.port && a.address === b.address;
}
