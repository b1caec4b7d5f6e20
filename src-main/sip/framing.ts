/**
 * Finding message boundaries in a byte stream (TCP/TLS, RFC 3261 §18.3): the head ends at the
 * first empty line and the body is Content-Length bytes long. CRLFs before a start line are
 * keep-alives (RFC 5626 §3.5.1, double CRLF ping / single CRLF pong) or §7.5 padding.
 */
import { SipParseError } from '../base/errors';
import { MAX_MESSAGE_BYTES } from './constants';

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** The number of CRLF bytes at `offset` (keep-alives to consume or answer before a message). */
export function leadingCrlfLength(buf: Buffer, offset = 0): number {
  let i = offset;
  while (i + 1 < buf.length && buf[i] === 13 && buf[i + 1] === 10) i += 2;
  return i - offset;
}

/**
 * Length in bytes of the first complete message at `offset`, counting CRLFs before it; or
 * 'incomplete' if more bytes are needed; or a SipParseError (not thrown) if the stream cannot be
 * framed: no Content-Length, a bad one, or a message over MAX_MESSAGE_BYTES. After an error the
 * connection should be closed (§18.3: there is no way to resynchronise).
 */
export function frameLength(buf: Buffer, offset = 0): number | 'incomplete' | SipParseError {
  const start = offset + leadingCrlfLength(buf, offset);
  if (start >= buf.length || (start + 1 === buf.length && buf[start] === 13)) return 'incomplete';
  const headEnd = buf.indexOf(CRLFCRLF, start);
  if (headEnd < 0) {
    if (buf.length - start > MAX_MESSAGE_BYTES) return new SipParseError(`message exceeds ${MAX_MESSAGE_BYTES} bytes`, start);
    return 'incomplete';
  }
  const cl = findContentLength(buf, start, headEnd + 2);
  if (typeof cl !== 'number') return cl;
  const end = headEnd + 4 + cl;
  if (end - start > MAX_MESSAGE_BYTES) return new SipParseError(`message exceeds ${MAX_MESSAGE_BYTES} bytes`, start);
  return end > buf.length ? 'incomplete' : end - offset;
}

/** Reads Content-Length (or compact `l`) from the head in buf[start, end) without decoding it. */
function findContentLength(buf: Buffer, start: number, end: number): number | SipParseError {
  let pos = buf.indexOf(13, start); // skip the start line
  let found = -1;
  while (pos >= 0 && pos + 2 < end) {
    const line = pos + 2;
    const c = buf[line]! | 0x20;
    let nameEnd = -1;
    if (c === 0x6c /* l */) nameEnd = line + 1;
    else if (c === 0x63 /* c */ && end - line > 14 && matchName(buf, line)) nameEnd = line + 14;
    if (nameEnd > 0) {
      let i = nameEnd;
      while (buf[i] === 32 || buf[i] === 9) i++;
      if (buf[i] === 58 /* : */) {
        i++;
        // value, possibly folded onto the next line (§7.3.1)
        for (;;) {
          while (buf[i] === 32 || buf[i] === 9) i++;
          if (buf[i] === 13 && buf[i + 1] === 10 && (buf[i + 2] === 32 || buf[i + 2] === 9)) i += 2;
          else break;
        }
        let n = 0;
        let digits = 0;
        while (buf[i]! >= 48 && buf[i]! <= 57 && digits < 11) {
          n = n * 10 + buf[i]! - 48;
          i++;
          digits++;
        }
        while (buf[i] === 32 || buf[i] === 9) i++;
        if (digits === 0 || digits > 10 || buf[i] !== 13) return new SipParseError('bad Content-Length', line);
        if (found >= 0 && found !== n) return new SipParseError('more than one Content-Length header', line);
        found = n;
      }
    }
    pos = buf.indexOf(13, line);
  }
  if (found < 0) return new SipParseError('missing Content-Length header (required on stream transports)', start);
  return found;
}

const CONTENT_LENGTH = 'content-length';

function matchName(buf: Buffer, at: number): boolean {
  for (let k = 0; k < 14; k++) if ((buf[at + k]! | 0x20) !== CONTENT_LENGTH.charCodeAt(k)) return false;
  return true;
}
