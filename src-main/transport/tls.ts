import { isIP } from 'node:net';
import { readFile } from 'node:fs/promises';
import { checkServerIdentity, connect, createServer, type TLSSocket } from 'node:tls';
import { TransportError } from '../base/errors';
import { StreamTransport, type StreamTransportOptions } from './stream-transport';
import type { Destination, LocalAddress } from './transport';

/**
 * SIP over TLS (RFC 3261 §26.3.1, RFC 5922). Certificates are verified by default, against
 * the system roots or the `caFile`; the name checked (and sent as SNI) is the destination's
 * `serverName` (the SIP domain, RFC 5922 §4) or else its host. Turning verification off takes
 * an explicit `rejectUnauthorized: false`.
 */
export interface TlsTransportOptions extends StreamTransportOptions {
  /** PEM file of the CA(s) to trust instead of the system roots. */
  readonly caFile?: string;
  /** PEM text of the CA(s), when already loaded. */
  readonly ca?: string | Buffer;
  /** Default true. Only an explicit `false` turns certificate verification off. */
  readonly rejectUnauthorized?: boolean;
  /** Client certificate (mutual TLS) or the server's own certificate, PEM. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Listen for inbound TLS connections (needs cert and key). */
  readonly listen?: { readonly host: string; readonly port: number };
  readonly localHost?: string;
}

/** Node's codes for certificate and handshake failures. */
function isTlsFailure(error: Error & { code?: string }): boolean {
  const code = error.code ?? '';
  return (
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|DEPTH_ZERO|HOSTNAME/.test(code)
  );
}

export async function openTlsTransport(options: TlsTransportOptions): Promise<StreamTransport> {
  const ca = options.ca ?? (options.caFile ? await readFile(options.caFile) : undefined);
  const rejectUnauthorized = options.rejectUnauthorized !== false;

  const connector = (dest: Destination) => {
    const name = dest.serverName ?? dest.host;
    const socket: TLSSocket = connect({
      host: dest.host,
      port: dest.port,
      // RFC 6066 §3: SNI carries a DNS name, never an IP literal.
      ...(isIP(name) === 0 ? { servername: name } : {}),
      // The identity check uses the SIP domain even when connecting to a resolved IP.
      checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
      ...(ca ? { ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      rejectUnauthorized,
    });
    let tcpConnected = false;
    socket.once('connect', () => (tcpConnected = true));
    const ready = new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', (error: Error & { code?: string }) => {
        const code = tcpConnected || isTlsFailure(error) ? 'transport.tls' : 'transport.unreachable';
        reject(new TransportError(code, `tls connect to ${dest.host}:${dest.port} (${name}): ${error.message}`, { cause: error }));
      });
    });
    return { socket, ready };
  };

  if (!options.listen) {
    const local: LocalAddress = { protocol: 'tls', host: options.localHost ?? '127.0.0.1', port: 0 };
    return new StreamTransport('tls', connector, undefined, local, options);
  }
  if (!options.cert || !options.key) throw new TransportError('transport.tls', 'a TLS server needs cert and key');
  const server = createServer({ cert: options.cert, key: options.key, ...(ca ? { ca } : {}) });
  const { host, port } = options.listen;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new TransportError('transport.unreachable', `cannot listen on tls ${host}:${port}: ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const local: LocalAddress = {
    protocol: 'tls',
    host: typeof address === 'object' && address ? address.address : host,
    port: typeof address === 'object' && address ? address.port : port,
  };
  const transport = new StreamTransport('tls', connector, server, local, options);
  server.on('secureConnection', (socket) => transport.accept(socket));
  server.on('tlsClientError', (error) => options.logger?.debug('tls handshake failed', { error: error.message }));
  server.on('error', (error) => options.logger?.warn('tls server error', { error: error.message }));
  return transport;
}
