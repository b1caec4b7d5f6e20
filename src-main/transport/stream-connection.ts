import type { Socket } from 'node:net';
import { TransportError, type TransportErrorCode } from '../base/errors';
import type { Logger } from '../base/logger';
import { StreamFramer } from './stream-framer';
import type { Flow, LocalAddress } from './transport';

/**
 * One TCP or TLS connection: framing of the inbound stream (stream-framer.ts), answers to
 * the peer's CRLF pings (RFC 5626 §4.4.1), writes that reject with `transport.closed`, and a
 * single `closed` report however the connection ends.
 */
export interface StreamConnectionHandlers {
  onMessage(bytes: Uint8Array, connection: StreamConnection): void;
  onPong(connection: StreamConnection): void;
  onClosed(connection: StreamConnection, reason: string): void;
  /** An unframeable message: its header section, so a 400 can be tried before the close. */
  onUnframeable?(headers: Uint8Array, code: TransportErrorCode, reason: string, connection: StreamConnection): void;
}

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
let nextId = 1;

export class StreamConnection {
  readonly id: string;
  readonly flow: Flow;
  readonly local: LocalAddress;
  /** `now()` of the last byte in or out, for the idle timer. */
  lastActivity: number;
  private readonly framer: StreamFramer;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    protocol: 'tcp' | 'tls',
    /** Whether we opened it (client) or accepted it (server). */
    readonly outbound: boolean,
    private readonly handlers: StreamConnectionHandlers,
    private readonly now: () => number,
    private readonly logger: Logger,
    maxMessageBytes: number,
  ) {
    this.id = `${protocol}-${nextId++}`;
    this.flow = { protocol, host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, connectionId: this.id };
    this.local = { protocol, host: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.framer = new StreamFramer({ maxMessageBytes });
    this.lastActivity = now();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.logger.debug('connection error', { id: this.id, error: error.message });
      this.close(`error: ${error.message}`);
    });
    socket.on('end', () => this.close('closed by peer'));
    socket.on('close', () => this.close('closed'));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closed || this.socket.destroyed || !this.socket.writable) {
      return Promise.reject(new TransportError('transport.closed', `connection ${this.id} is closed`));
    }
    this.lastActivity = this.now();
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (error) => {
        if (error) reject(new TransportError('transport.closed', `write on ${this.id}: ${error.message}`, { cause: error }));
        else resolve();
      });
    });
  }

  /** Sends a CRLF ping (RFC 5626 §4.4.1); the pong comes back through `onPong`. */
  ping(): void {
    if (this.closed) return;
    this.framer.expectPong();
    this.write(CRLFCRLF).catch(() => {});
  }

  /** Ends the connection once; reports `onClosed` exactly once. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // Flush what is queued (a 400 for an unframeable message), then release the socket.
    if (this.socket.writable) this.socket.end(() => this.socket.destroy());
    else this.socket.destroy();
    this.logger.debug('connection closed', { id: this.id, reason });
    this.handlers.onClosed(this, reason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastActivity = this.now();
    for (const event of this.framer.push(chunk)) {
      switch (event.kind) {
        case 'message':
          this.handlers.onMessage(event.bytes, this);
          break;
        case 'ping':
          // RFC 5626 §4.4.1: "the server MUST respond with a single CRLF".
          this.write(CRLF).catch(() => {});
          break;
        case 'pong':
          this.handlers.onPong(this);
          break;
        case 'error':
          this.logger.warn('stream cannot be framed', { id: this.id, reason: event.reason });
          if (event.headers) this.handlers.onUnframeable?.(event.headers, event.code, event.reason, this);
          this.close(`${event.code}: ${event.reason}`);
          break;
      }
      if (this.closed) return;
    }
  }
}
