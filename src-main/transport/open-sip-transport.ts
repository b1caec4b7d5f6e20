import type { Clock } from '../base/clock';
import type { Logger } from '../base/logger';
import { nullLogger } from '../base/logger';
import type { SipResolver } from './resolver';
import type { StreamTransport } from './stream-transport';
import { openTcpTransport } from './tcp';
import { openTlsTransport, type TlsTransportOptions } from './tls';
import { SipTransportLayer } from './transport-layer';
import { UdpTransport } from './udp';

/**
 * Opens the sockets a UA asks for and wires them into one `SipTransportLayer`: inbound bytes,
 * connection events (for RFC 5626 flow recovery) and unframeable stream input (for the 400).
 */
export interface OpenSipTransportOptions {
  /** Address to bind: '127.0.0.1', '::1', '0.0.0.0' … */
  readonly host: string;
  /** UDP on this port (0 = any); omit for no UDP. */
  readonly udp?: { readonly port: number };
  /** TCP client connections; with `listen`, a server on `port` too. */
  readonly tcp?: { readonly port?: number; readonly listen?: boolean };
  /** TLS client connections (verification on); with cert/key and `listen`, a server too. */
  readonly tls?: Pick<TlsTransportOptions, 'ca' | 'caFile' | 'rejectUnauthorized' | 'cert' | 'key'> & {
    readonly port?: number;
    readonly listen?: boolean;
  };
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly resolver?: SipResolver;
  readonly idleTimeoutMs?: number;
  readonly advertisedHost?: string;
}

export interface OpenedSipTransport {
  readonly layer: SipTransportLayer;
  readonly udp?: UdpTransport;
  readonly tcp?: StreamTransport;
  readonly tls?: StreamTransport;
}

export async function openSipTransport(o: OpenSipTransportOptions): Promise<OpenedSipTransport> {
  const logger = o.logger ?? nullLogger;
  const layer = new SipTransportLayer({
    logger: logger.child('layer'),
    ...(o.resolver ? { resolver: o.resolver } : {}),
    ...(o.advertisedHost ? { advertisedHost: o.advertisedHost } : {}),
  });
  const stream = {
    onMessage: layer.receive,
    connectionOpened: layer.connectionOpened,
    connectionClosed: layer.connectionClosed,
    onUnframeable: layer.unframeable,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
  };
  const opened: { layer: SipTransportLayer; udp?: UdpTransport; tcp?: StreamTransport; tls?: StreamTransport } = { layer };
  try {
    if (o.udp) {
      opened.udp = await UdpTransport.open({ host: o.host, port: o.udp.port, onMessage: layer.receive, logger: logger.child('udp') });
      layer.addTransport(opened.udp);
    }
    if (o.tcp) {
      opened.tcp = await openTcpTransport({
        ...stream,
        logger: logger.child('tcp'),
        localHost: o.host,
        ...(o.tcp.listen ? { listen: { host: o.host, port: o.tcp.port ?? 0 } } : {}),
      });
      layer.addTransport(opened.tcp);
    }
    if (o.tls) {
      const { port, listen, ...tlsOptions } = o.tls;
      opened.tls = await openTlsTransport({
        ...stream,
        ...tlsOptions,
        logger: logger.child('tls'),
        localHost: o.host,
        ...(listen ? { listen: { host: o.host, port: port ?? 0 } } : {}),
      });
      layer.addTransport(opened.tls);
    }
  } catch (error) {
    await layer.dispose();
    throw error;
  }
  return opened;
}
