import type { TransportErrorCode } from '../base/errors';

/**
 * Cuts a TCP/TLS byte stream into whole SIP messages by Content-Length (RFC 3261 §18.3), and
 * recognises the CRLF keep-alive of RFC 5626 §4.4.1 at message boundaries:
 * - "\r\n\r\n" from the peer is a ping: the owner answers "\r\n" (the pong);
 * - a lone "\r\n" while we wait for our own ping's answer is the pong;
 * - other CRLFs before a start-line are ignored (RFC 3261 §7.5).
 * A message larger than `maxMessageBytes` (or a header section that never ends) is an error
 * after which the stream cannot be resynchronised: the owner closes the connection.
 */
export type FrameEvent =
  | { readonly kind: 'message'; readonly bytes: Uint8Array }
  | { readonly kind: 'ping' }
  | { readonly kind: 'pong' }
  | {
      readonly kind: 'error';
      readonly code: TransportErrorCode;
      readonly reason: string;
      /** The header section when it could be cut out (for a 400 answer before closing). */
      readonly headers?: Uint8Array;
    };

export interface StreamFramerOptions {
  /** Largest message (headers + body) accepted; default 65 536 bytes. */
  readonly maxMessageBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/**
 * Content-Length (or compact `l`) of a header section (RFC 3261 §20.14, §7.3.3). `undefined`
 * when absent (treated as 0), `null` when present but not one valid number.
 */
export function contentLengthOf(headerSection: string): number | null | undefined {
  const re = /(?:^|\r\n)(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/gi;
  let found: number | undefined;
  for (let m = re.exec(headerSection); m; m = re.exec(headerSection)) {
    const raw = (m[1] ?? '').trim();
    if (!/^\d{1,10}$/.test(raw)) return null;
    const n = Number(raw);
    if (found !== undefined && found !== n) return null;
    found = n;
  }
  return found;
}

export class StreamFramer {
  private buf: Buffer = EMPTY;
  /** Where to resume the search for the end of the header section. */
  private scanFrom = 0;
  private awaitingPong = false;
  private failed = false;
  private readonly maxMessageBytes: number;

  constructor(options: StreamFramerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 65_536;
  }

  /** Bytes held back waiting for the rest of a message. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Call after sending a ping: the next lone CRLF at a boundary is its pong. */
  expectPong(): void {
    this.awaitingPong = true;
  }

  /** Feeds one chunk; returns the events it completes, in stream order. */
  push(chunk: Uint8Array): FrameEvent[] {
    if (this.failed) return [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: FrameEvent[] = [];
    while (this.buf.length > 0 && !this.failed) {
      if (this.buf[0] === CR || this.buf[0] === LF) {
        if (!this.takeCrlf(out)) break;
        continue;
      }
      if (!this.takeMessage(out)) break;
    }
    return out;
  }

  /** Handles CRLFs at a message boundary; false when more bytes are needed to decide. */
  private takeCrlf(out: FrameEvent[]): boolean {
    const b = this.buf;
    if (b[0] === LF) {
      this.consume(1); // a bare LF between messages: ignore (RFC 3261 §7.5)
      return true;
    }
    if (b.length < 2) return false;
    if (b[1] !== LF) {
      this.consume(1);
      return true;
    }
    if (b.length >= 4 && b[2] === CR && b[3] === LF) {
      // RFC 5626 §4.4.1: "a double CRLF (a 'ping')" to which the server answers one CRLF.
      this.consume(4);
      out.push({ kind: 'ping' });
      return true;
    }
    if (this.awaitingPong) {
      this.awaitingPong = false;
      this.consume(2);
      out.push({ kind: 'pong' });
      return true;
    }
    // "\r\n" or "\r\n\r" alone may still become a ping: wait for the next byte.
    if (b.length === 2 || (b.length === 3 && b[2] === CR)) return false;
    this.consume(2); // a stray CRLF before a start-line
    return true;
  }

  private takeMessage(out: FrameEvent[]): boolean {
    const end = this.buf.indexOf('\r\n\r\n', this.scanFrom, 'latin1');
    if (end < 0) {
      if (this.buf.length > this.maxMessageBytes) {
        this.fail(out, 'transport.too-large', `header section over ${this.maxMessageBytes} bytes`);
      } else {
        this.scanFrom = Math.max(0, this.buf.length - 3);
      }
      return false;
    }
    const bodyStart = end + 4;
    const headers = this.buf.subarray(0, bodyStart);
    const length = contentLengthOf(headers.toString('latin1'));
    if (length === null) {
      this.fail(out, 'transport.closed', 'invalid Content-Length on a stream', Buffer.from(headers));
      return false;
    }
    const total = bodyStart + (length ?? 0);
    if (total > this.maxMessageBytes) {
      this.fail(out, 'transport.too-large', `message of ${total} bytes over ${this.maxMessageBytes}`, Buffer.from(headers));
      return false;
    }
    if (this.buf.length < total) {
      this.scanFrom = 0;
      return false; // the scan result is recomputed; headers are short
    }
    out.push({ kind: 'message', bytes: Buffer.from(this.buf.subarray(0, total)) });
    this.consume(total);
    return true;
  }

  private consume(n: number): void {
    this.buf = n >= this.buf.length ? EMPTY : this.buf.subarray(n);
    this.scanFrom = 0;
  }

  private fail(out: FrameEvent[], code: TransportErrorCode, reason: string, headers?: Uint8Array): void {
    this.failed = true;
    this.buf = EMPTY;
    out.push(headers ? { kind: 'error', code, reason, headers } : { kind: 'error', code, reason });
  }
}
