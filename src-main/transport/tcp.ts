import { connect, createServer } from 'node:net';
import { TransportError } from '../base/errors';
import { StreamTransport, type StreamTransportOptions } from './stream-transport';
import type { LocalAddress } from './transport';

/**
 * SIP over TCP (RFC 3261 §18): client connections, and a listening server when `listen` is
 * given. Everything else (framing, reuse, keep-alive) is in stream-transport.ts.
 */
export interface TcpTransportOptions extends StreamTransportOptions {
  /** Listen for inbound connections on this address (port 0 picks one). */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Local address reported for Via when not listening; default 127.0.0.1:0. */
  readonly localHost?: string;
}

/** Classifies a connect failure as unreachable (refused, no route, reset). */
export function connectError(protocol: string, host: string, port: number, error: Error): TransportError {
  return new TransportError('transport.unreachable', `${protocol} connect to ${host}:${port}: ${error.message}`, { cause: error });
}

export async function openTcpTransport(options: TcpTransportOptions): Promise<StreamTransport> {
  const connector = (dest: { host: string; port: number }) => {
    const socket = connect({ host: dest.host, port: dest.port });
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error) => reject(connectError('tcp', dest.host, dest.port, error)));
    });
    return { socket, ready };
  };
  if (!options.listen) {
    const local: LocalAddress = { protocol: 'tcp', host: options.localHost ?? '127.0.0.1', port: 0 };
    return new StreamTransport('tcp', connector, undefined, local, options);
  }
  const server = createServer();
  const { host, port } = options.listen;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new TransportError('transport.unreachable', `cannot listen on tcp ${host}:${port}: ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const local: LocalAddress = {
    protocol: 'tcp',
    host: typeof address === 'object' && address ? address.address : host,
    port: typeof address === 'object' && address ? address.port : port,
  };
  const transport = new StreamTransport('tcp', connector, server, local, options);
  server.on('connection', (socket) => transport.accept(socket));
  server.on('error', (error) => options.logger?.warn('tcp server error', { error: error.message }));
  return transport;
}
