/**
 * Bytes to a SIP message (RFC 3261 §7, §25). One pass finds the start line and the header
 * boundaries with indexOf; the fields a transaction needs (Via, From, To, CSeq, Call-ID,
 * Content-Length, Max-Forwards) are parsed and checked at once, everything else on first access.
 * What is checked now but built later: the Request-URI, the URI and parameters of From and To,
 * the parameters of each Via (the branch is taken out), and the body (copied out of the input
 * when first read, so the input must not be changed while the message is in use).
 * The usual shapes of a URI, a Via and a name-addr go through one anchored pattern each before
 * the full scanners, which handle everything else and name the faults.
 * Faults throw `SipMessageError` (a `SipParseError`) with the byte offset and what is wrong.
 */
import { SipParseError } from '../base/errors';
import { MAX_HEADERS, MAX_MESSAGE_BYTES, STATUS } from './constants';
import { parseCSeq } from './headers/cseq';
import { parseVias } from './headers/via';
import { KNOWN_KEYS, KNOWN_NAMES, headerKey, knownHeader, knownHeaderBytes } from './header-names';
import { isTokenChar, parseDigits, skipWs, skipWsBack } from './lex';
import { SipRequest, SipResponse, type SipMessage } from './message';
import { parseNameAddrLazily } from './name-addr';
import { SipMessageError } from './parse-error';
import { checkUri, parseUri, type Uri } from './uri';

export interface ParseOptions {
  /**
   * 'datagram' (default, UDP): a missing Content-Length means the body is the rest of the
   * datagram (§18.3), and octets beyond Content-Length are dropped. 'stream' (TCP/TLS):
   * Content-Length is required.
   */
  readonly mode?: 'datagram' | 'stream';
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

const WHITESPACE = /\s/;

/** The headers parsed at once, as codes for a switch; names outside the known ones are none of them. */
const enum Eager {
  NONE,
  VIA,
  FROM,
  TO,
  CSEQ,
  CALL_ID,
  CONTENT_LENGTH,
  MAX_FORWARDS,
}
const EAGER_BY_KEY: Readonly<Record<string, Eager>> = {
  via: Eager.VIA,
  from: Eager.FROM,
  to: Eager.TO,
  cseq: Eager.CSEQ,
  'call-id': Eager.CALL_ID,
  'content-length': Eager.CONTENT_LENGTH,
  'max-forwards': Eager.MAX_FORWARDS,
};
/** Eager code of each known header name (by its index in KNOWN_NAMES). */
const EAGER = Uint8Array.from(KNOWN_KEYS, (k) => EAGER_BY_KEY[k] ?? Eager.NONE);

/** How fault messages name the eagerly parsed headers (by Eager code). */
const HEADER_LABEL = ['', 'Via', 'From', 'To', 'CSeq'];

class Cursor {
  constructor(
    readonly head: string,
    readonly base: number,
  ) {}
  /** Byte offset in the input of character `i` of the head. */
  byteOffset(i: number): number {
    return this.base + Buffer.byteLength(this.head.slice(0, Math.max(0, i)), 'utf8');
  }
  fail(message: string, i: number, status: number = STATUS.BAD_REQUEST): never {
    throw new SipMessageError(message, this.byteOffset(i), status);
  }
}

export function parseMessage(data: Buffer | string, options: ParseOptions = {}): SipRequest | SipResponse {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const len = buf.length;
  if (len > MAX_MESSAGE_BYTES) {
    throw new SipMessageError(`message exceeds ${MAX_MESSAGE_BYTES} bytes`, MAX_MESSAGE_BYTES, STATUS.MESSAGE_TOO_LARGE);
  }
  // §7.5: ignore CRLFs before the start line.
  let start = 0;
  while (start + 1 < len && buf[start] === 13 && buf[start + 1] === 10) start += 2;
  if (start >= len) throw new SipMessageError('empty message', start);
  const headEnd = buf.indexOf(CRLFCRLF, start);
  if (headEnd < 0) throw new SipMessageError('missing empty line after the header fields', len);
  const head = buf.toString('utf8', start, headEnd + 2);
  const cur: Cursor = new Cursor(head, start);
  // One character per byte (ASCII, or lone bad bytes each decoded to U+FFFD): character i of
  // the head is byte start + i, so names can be matched on the bytes.
  const aligned = head.length === headEnd + 2 - start;

  let eol = head.indexOf('\r\n');
  const msg = parseStartLine(head, eol, cur);
  const names = msg._names;
  const values = msg._values;
  const keys = msg._keys;
  const offsets = msg._offsets;

  let pos = eol + 2;
  const hlen = head.length;
  while (pos < hlen) {
    // The line ends at the first LF when a CR precedes it (one scan); otherwise look for CRLF
    // and let the checks below name the stray LF. The head ends with CRLF, so both exist.
    const lf = head.indexOf('\n', pos);
    eol = lf > pos && head.charCodeAt(lf - 1) === 13 ? lf - 1 : head.indexOf('\r\n', pos);
    let lineEnd = eol;
    let folded = false;
    // §7.3.1: a line starting with SP or HT continues the previous header field.
    for (;;) {
      const next = head.charCodeAt(lineEnd + 2);
      if (next !== 32 && next !== 9) break;
      folded = true;
      lineEnd = head.indexOf('\r\n', lineEnd + 2);
    }
    if (lf < lineEnd && !folded) cur.fail('bare LF inside a header line', lf);
    const colon = head.indexOf(':', pos);
    if (colon < 0 || colon > lineEnd) cur.fail(pos === eol ? 'unexpected empty line' : 'header line without a colon', pos);
    const nameEnd = skipWsBack(head, colon, pos);
    if (nameEnd === pos) cur.fail('empty header name', pos);
    const known = aligned ? knownHeaderBytes(buf, start + pos, start + nameEnd) : knownHeader(head, pos, nameEnd);
    if (known < 0) for (let k = pos; k < nameEnd; k++) if (!isTokenChar(head.charCodeAt(k))) cur.fail('illegal character in header name', k);
    if (names.length >= MAX_HEADERS) cur.fail(`more than ${MAX_HEADERS} headers`, pos);
    let name: string;
    let key: string;
    if (known >= 0) {
      key = KNOWN_KEYS[known >> 1]!;
      name = (known & 1) === 1 ? KNOWN_NAMES[known >> 1]! : head.slice(pos, nameEnd);
    } else {
      name = head.slice(pos, nameEnd);
      key = headerKey(name);
    }
    let vStart = colon + 1;
    let value: string;
    if (folded) {
      value = unfold(head, vStart, lineEnd);
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) cur.fail('bare CR or LF inside a header line', vStart);
    } else {
      vStart = skipWs(head, vStart, lineEnd);
      value = head.slice(vStart, skipWsBack(head, lineEnd, vStart));
      const cr = head.indexOf('\r', vStart);
      if (cr < lineEnd) cur.fail('bare CR inside a header line', cr);
    }
    names.push(name);
    values.push(value);
    keys.push(key);
    offsets.push(vStart + start);
    // Eager parse of the transaction-relevant headers (§17.1.3, §17.2.3 matching, §18.3 framing).
    const eager = known >= 0 ? EAGER[known >> 1]! : Eager.NONE;
    if (eager !== Eager.NONE) readEager(msg, eager, value, vStart, pos, cur);
    pos = lineEnd + 2;
  }
  msg._vias ??= [];
  if (msg._maxForwards === undefined) msg._maxForwards = null;

  // §8.2.1 / §16.3: the fields every request and response must carry.
  const at = hlen;
  if (msg._vias.length === 0) cur.fail('missing Via header', at);
  if (msg._from === undefined) cur.fail('missing From header', at);
  if (msg._to === undefined) cur.fail('missing To header', at);
  if (msg._callId === undefined) cur.fail('missing Call-ID header', at);
  if (msg._cseq === undefined) cur.fail('missing CSeq header', at);
  if (msg.kind === 'request' && msg._cseq.method !== (msg as SipRequest).method) {
    cur.fail(`CSeq method ${msg._cseq.method} does not match request method ${(msg as SipRequest).method}`, at);
  }

  // Body and Content-Length (§18.3, §20.14).
  const bodyStart = headEnd + 4;
  const available = len - bodyStart;
  const cl = msg._contentLength;
  if (cl === undefined) {
    if (options.mode === 'stream') cur.fail('missing Content-Length header (required on stream transports)', at);
    if (available > 0) msg.setBodySource(buf, bodyStart, len);
  } else {
    if (cl > available) throw new SipMessageError(`Content-Length ${cl} exceeds body ${available} bytes`, len);
    if (cl > 0) msg.setBodySource(buf, bodyStart, bodyStart + cl);
  }
  return msg;
}

/**
 * Parses and checks one of the headers a transaction needs into the message's cache; From and
 * To keep their URI and parameters as checked text (built on first read).
 */
/**
 * The value of a folded header field, s[from, end), with each CRLF and the white space after it
 * replaced by one SP (§7.3.1), trimmed. Every CRLF in the range starts a continuation line.
 */
function unfold(s: string, from: number, end: number): string {
  let out = '';
  let crlf = s.indexOf('\r\n', from);
  while (crlf >= 0 && crlf < end) {
    out += s.slice(from, crlf) + ' ';
    from = skipWs(s, crlf + 2, end);
    crlf = s.indexOf('\r\n', from);
  }
  return (out + s.slice(from, end)).trim();
}

function readEager(msg: SipRequest | SipResponse, eager: Eager, value: string, vStart: number, pos: number, cur: Cursor): void {
  try {
    switch (eager) {
      case Eager.VIA:
        parseVias(value, 0, value.length, (msg._vias ??= []));
        break;
      case Eager.FROM:
        if (msg._from !== undefined) cur.fail('more than one From header', pos);
        msg._from = parseNameAddrLazily(value);
        break;
      case Eager.TO:
        if (msg._to !== undefined) cur.fail('more than one To header', pos);
        msg._to = parseNameAddrLazily(value);
        break;
      case Eager.CSEQ:
        if (msg._cseq !== undefined) cur.fail('more than one CSeq header', pos);
        msg._cseq = parseCSeq(value);
        break;
      case Eager.CALL_ID:
        if (msg._callId !== undefined) cur.fail('more than one Call-ID header', pos);
        if (value.length === 0 || WHITESPACE.test(value)) cur.fail('bad Call-ID', vStart);
        msg._callId = value;
        break;
      case Eager.CONTENT_LENGTH: {
        if (msg._contentLength !== undefined) cur.fail('more than one Content-Length header', pos);
        const n = parseDigits(value, 0, value.length, 10);
        if (n < 0) cur.fail('bad Content-Length', vStart);
        msg._contentLength = n;
        break;
      }
      case Eager.MAX_FORWARDS: {
        if (msg._maxForwards !== undefined) cur.fail('more than one Max-Forwards header', pos);
        const n = parseDigits(value, 0, value.length, 10);
        if (n < 0 || n > 255) cur.fail('bad Max-Forwards', vStart);
        msg._maxForwards = n;
        break;
      }
    }
  } catch (e) {
    // Faults of the header parsers carry offsets within the value; ours are already placed.
    if (!(e instanceof SipParseError) || e instanceof SipMessageError) throw e;
    cur.fail(e.message.startsWith('bad ') ? e.message : `bad ${HEADER_LABEL[eager]} header: ${e.message}`, vStart + Math.max(0, e.offset));
  }
}

/** The first `ch` in s[from, end), or -1. */
function indexIn(s: string, ch: string, from: number, end: number): number {
  const i = s.indexOf(ch, from);
  return i < end ? i : -1;
}

/** Parses the start line, head[0, end) (without copying it out of the head). */
function parseStartLine(head: string, end: number, cur: Cursor): SipMessage & (SipRequest | SipResponse) {
  if (end === 0) cur.fail('empty start line', 0);
  const sp1 = indexIn(head, ' ', 0, end);
  if (sp1 <= 0) cur.fail('bad start line', 0);
  if (end >= 4 && head.charCodeAt(0) === 83 && head.charCodeAt(1) === 73 && head.charCodeAt(2) === 80 && head.charCodeAt(3) === 47) {
    return parseStatusLine(head, end, sp1, cur); // "SIP/"
  }
  // Request-Line = Method SP Request-URI SP SIP-Version (§7.1): exactly one SP between parts.
  for (let k = 0; k < sp1; k++) if (!isTokenChar(head.charCodeAt(k))) cur.fail('bad method', k);
  const sp2 = indexIn(head, ' ', sp1 + 1, end);
  if (sp2 < 0) cur.fail('bad Request-Line: missing SIP version', end);
  if (sp2 === sp1 + 1) cur.fail('bad Request-Line: more than one SP before the Request-URI', sp1);
  // The usual "SIP/2.0" at the end needs no copy; anything else gets the full checks.
  if (end !== sp2 + 8 || !isSip20(head, sp2 + 1)) {
    const version = head.slice(sp2 + 1, end);
    if (version.indexOf(' ') >= 0 || version.indexOf('\t') >= 0) cur.fail('bad Request-Line: whitespace in the Request-URI or after the version', sp2);
    checkVersion(version, sp2 + 1, cur);
  }
  const uriText = head.slice(sp1 + 1, sp2);
  if (uriText.indexOf('\t') >= 0) cur.fail('bad Request-URI: whitespace', sp1 + 1);
  // The URI is checked now and built when first read; one that may hold headers is built now
  // to look at them (§19.1.1 table: headers are not allowed in a Request-URI).
  let uri: Uri | undefined;
  try {
    if (uriText.indexOf('?') >= 0) uri = parseUri(uriText);
    else checkUri(uriText);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    cur.fail(e.message.replace(/^bad URI/, 'bad Request-URI'), sp1 + 1 + e.offset);
  }
  if (uri !== undefined && uri.kind === 'sip' && uri.headers.size > 0) cur.fail('bad Request-URI: headers not allowed', sp1 + 1);
  return uri !== undefined ? new SipRequest(head.slice(0, sp1), uri) : SipRequest.withUriText(head.slice(0, sp1), uriText);
}

function parseStatusLine(head: string, end: number, sp1: number, cur: Cursor): SipResponse {
  if (sp1 !== 7 || !isSip20(head, 0)) checkVersion(head.slice(0, sp1), 0, cur);
  let sp2 = indexIn(head, ' ', sp1 + 1, end);
  if (sp2 < 0) sp2 = end; // lenient: "SIP/2.0 100" without the SP before an empty reason
  const code = parseDigits(head, sp1 + 1, sp2, 3);
  if (code < 100 || code > 699 || sp2 - sp1 - 1 !== 3) cur.fail('bad status code', sp1 + 1);
  for (let k = sp2 + 1; k < end; k++) {
    const c = head.charCodeAt(k);
    if ((c < 32 && c !== 9) || c === 127) cur.fail('control character in reason phrase', k);
  }
  return new SipResponse(code, sp2 < end ? head.slice(sp2 + 1, end) : '');
}

/** s holds "SIP/2.0" at i. */
function isSip20(s: string, i: number): boolean {
  return (
    s.charCodeAt(i) === 83 && s.charCodeAt(i + 1) === 73 && s.charCodeAt(i + 2) === 80 && s.charCodeAt(i + 3) === 47 &&
    s.charCodeAt(i + 4) === 50 && s.charCodeAt(i + 5) === 46 && s.charCodeAt(i + 6) === 48
  );
}

function checkVersion(v: string, at: number, cur: Cursor): void {
  if (v === 'SIP/2.0') return;
  if (/^SIP\/\d+\.\d+$/i.test(v)) {
    if (v.toUpperCase() === 'SIP/2.0') return;
    cur.fail(`unsupported SIP version ${v}`, at, STATUS.VERSION_NOT_SUPPORTED);
  }
  cur.fail('bad SIP version', at);
}
