import type { Server, Socket } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../base/clock';
import { TransportError, type TransportErrorCode } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { ConnectionPool } from './connection-pool';
import { KeepAliveSender } from './keep-alive';
import { StreamConnection } from './stream-connection';
import { flowKey, type Destination, type Flow, type LocalAddress, type Transport, type TransportCallbacks } from './transport';

/**
 * What tcp.ts and tls.ts share: client connections reused through the pool, an optional
 * listening server whose accepted connections join the same pool, CRLF keep-alives, idle
 * close, and a connect timeout on the injected clock.
 */
export interface StreamTransportOptions extends TransportCallbacks {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Close a connection after this long without traffic; default 5 min, 0 = never. */
  readonly idleTimeoutMs?: number;
  /** Give up connecting after this long; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Largest framed message; default 65 536. */
  readonly maxMessageBytes?: number;
  /** Called with the connection id when a peer answers our ping (for tests and stats). */
  readonly onPong?: (connectionId: string) => void;
  /** Called for an unframeable inbound message's header section before the close. */
  readonly onUnframeable?: (headers: Uint8Array, code: TransportErrorCode, reason: string, source: Flow, local: LocalAddress) => void;
}

/** Opens one connected socket (TCP connect or TLS handshake done), classifying failures. */
export type Connector = (dest: Destination) => { socket: Socket; ready: Promise<void> };

export class StreamTransport implements Transport {
  readonly isReliable = true;
  readonly keepAlive: KeepAliveSender;
  private readonly pool: ConnectionPool<StreamConnection>;
  private readonly pending = new Map<string, Promise<StreamConnection>>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private disposed = false;

  constructor(
    readonly protocol: 'tcp' | 'tls',
    private readonly connector: Connector,
    private readonly server: Server | undefined,
    readonly local: LocalAddress,
    private readonly options: StreamTransportOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? nullLogger;
    this.pool = new ConnectionPool(this.clock, options.idleTimeoutMs ?? 300_000);
    this.keepAlive = new KeepAliveSender(
      {
        ping: (id) => {
          const c = this.pool.byId(id);
          c?.ping();
          return c !== undefined;
        },
        fail: (id, reason) => this.pool.byId(id)?.close(reason),
      },
      this.clock,
    );
  }

  /** Adopts a connection the server accepted. */
  accept(socket: Socket): void {
    if (this.disposed) {
      socket.destroy();
      return;
    }
    this.adopt(socket, false);
  }

  /** Open connections (for stats and tests). */
  connections(): readonly Flow[] {
    return this.pool.all().map((c) => c.flow);
  }

  /** The open connection to a remote flow, if any. */
  connectionTo(remote: Pick<Flow, 'protocol' | 'host' | 'port'>): Flow | undefined {
    return this.pool.get(remote)?.flow;
  }

  /** Closes one connection (reported through `connectionClosed`). */
  closeConnection(connectionId: string, reason = 'closed locally'): void {
    this.pool.byId(connectionId)?.close(reason);
  }

  async send(bytes: Uint8Array, dest: Destination): Promise<void> {
    if (this.disposed) throw new TransportError('transport.closed', `${this.protocol} transport is closed`);
    const byId = dest.connectionId !== undefined ? this.pool.byId(dest.connectionId) : undefined;
    if (byId) return byId.write(bytes);
    if (dest.connectionOnly) {
      throw new TransportError('transport.closed', `connection ${dest.connectionId ?? '?'} is gone`);
    }
    const connection = this.pool.get({ protocol: this.protocol, host: dest.host, port: dest.port }) ?? (await this.connect(dest));
    return connection.write(bytes);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.keepAlive.dispose();
    this.pool.closeAll('transport disposed');
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private connect(dest: Destination): Promise<StreamConnection> {
    const key = flowKey({ protocol: this.protocol, host: dest.host, port: dest.port });
    const existing = this.pending.get(key);
    if (existing) return existing;
    const attempt = this.openConnection(dest).finally(() => this.pending.delete(key));
    this.pending.set(key, attempt);
    return attempt;
  }

  private async openConnection(dest: Destination): Promise<StreamConnection> {
    const { socket, ready } = this.connector(dest);
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => {
        socket.destroy();
        reject(new TransportError('transport.timeout', `${this.protocol} connect to ${dest.host}:${dest.port} timed out`));
      }, this.options.connectTimeoutMs ?? 10_000);
    });
    try {
      await Promise.race([ready, timeout]);
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      this.clock.clearTimeout(timer);
    }
    if (this.disposed) {
      socket.destroy();
      throw new TransportError('transport.closed', `${this.protocol} transport is closed`);
    }
    return this.adopt(socket, true);
  }

  private adopt(socket: Socket, outbound: boolean): StreamConnection {
    const connection = new StreamConnection(
      socket,
      this.protocol,
      outbound,
      {
        onMessage: (bytes, c) => this.options.onMessage(bytes, c.flow, c.local),
        onPong: (c) => {
          this.keepAlive.pongReceived(c.id);
          this.options.onPong?.(c.id);
        },
        onUnframeable: (headers, code, reason, c) => this.options.onUnframeable?.(headers, code, reason, c.flow, c.local),
        onClosed: (c, reason) => {
          this.pool.remove(c);
          this.keepAlive.stop(c.id);
          this.options.connectionClosed?.(c.flow, reason);
        },
      },
      () => this.clock.now(),
      this.logger,
      this.options.maxMessageBytes ?? 65_536,
    );
    this.pool.add(connection);
    this.options.connectionOpened?.(connection.flow);
    return connection;
  }
}
