import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { TransportError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import type { Destination, LocalAddress, Transport, TransportCallbacks } from './transport';

/**
 * SIP over UDP (RFC 3261 §18): one datagram, one message. Binds an IPv4 or IPv6 socket
 * depending on `host` ('::' listens on both families where the OS allows).
 */
export interface UdpTransportOptions extends TransportCallbacks {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly logger?: Logger;
}

/** The largest UDP payload over IPv4 (65 535 − 8 − 20). */
const MAX_DATAGRAM = 65_507;

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly isReliable = false;
  private disposed = false;

  private constructor(
    private readonly socket: Socket,
    readonly local: LocalAddress,
    private readonly logger: Logger,
  ) {}

  /** Binds the socket; rejects with `transport.unreachable` when the address cannot be bound. */
  static async open(options: UdpTransportOptions): Promise<UdpTransport> {
    const logger = options.logger ?? nullLogger;
    const family = isIP(options.host) === 6 ? 'udp6' : 'udp4';
    const socket = createSocket({ type: family });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        socket.close();
        reject(new TransportError('transport.unreachable', `cannot bind udp ${options.host}:${options.port}: ${error.message}`, { cause: error }));
      };
      socket.once('error', onError);
      socket.bind(options.port, options.host, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    const address = socket.address();
    const local: LocalAddress = { protocol: 'udp', host: address.address, port: address.port };
    const transport = new UdpTransport(socket, local, logger);
    socket.on('error', (error) => logger.warn('socket error', { error: error.message }));
    socket.on('message', (data, rinfo) => {
      // Keep-alive CRLFs and empty datagrams carry no message (RFC 3261 §7.5, RFC 5626 §4.4).
      if (data.length === 0 || /^[\r\n]+$/.test(data.toString('latin1', 0, Math.min(data.length, 8)))) return;
      options.onMessage(data, { protocol: 'udp', host: rinfo.address, port: rinfo.port }, local);
    });
    logger.debug('listening', { address: `${local.host}:${local.port}` });
    return transport;
  }

  send(bytes: Uint8Array, dest: Destination): Promise<void> {
    if (this.disposed) return Promise.reject(new TransportError('transport.closed', 'udp transport is closed'));
    if (bytes.length > MAX_DATAGRAM) {
      return Promise.reject(new TransportError('transport.too-large', `${bytes.length} bytes do not fit in a UDP datagram`));
    }
    const destFamily = isIP(dest.host);
    const ownFamily = isIP(this.local.host);
    if (destFamily === 0 || (ownFamily === 4 && destFamily === 6)) {
      return Promise.reject(new TransportError('transport.unreachable', `udp ${this.local.host} cannot reach ${dest.host}`));
    }
    return new Promise((resolve, reject) => {
      this.socket.send(bytes, dest.port, dest.host, (error) => {
        if (error) reject(new TransportError('transport.unreachable', `udp send to ${dest.host}:${dest.port}: ${error.message}`, { cause: error }));
        else resolve();
      });
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
