/**
 * Via (RFC 3261 §20.42, §25.1): `SIP/2.0/UDP host:port;branch=z9hG4bK…;received=…;rport`.
 * RFC 3581 adds rport (a flag in requests, a number in responses).
 */
import { SipParseError } from '../../base/errors';
import { CH_COMMA, indexOfTopLevel, isTokenChar, parseDigits, skipWs, skipWsBack } from '../lex';
import { Params, parseParams } from '../params';

export class Via {
  constructor(
    /** Transport as written, upper-cased: UDP, TCP, TLS, SCTP, WS, WSS … */
    public transport: string,
    public host: string,
    public port: number | undefined = undefined,
    public params: Params = new Params(),
    /** protocol-name/protocol-version, "SIP/2.0". */
    public protocol = 'SIP/2.0',
  ) {}

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }
  set branch(value: string | undefined) {
    if (value === undefined) this.params.delete('branch');
    else this.params.set('branch', value);
  }
  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }
  /** RFC 3581: `true` when present without a value (request asks for it), the port when filled. */
  get rport(): number | true | undefined {
    const v = this.params.get('rport');
    if (v === undefined) return undefined;
    if (v === null || v === '') return true;
    const n = parseDigits(v, 0, v.length, 5);
    return n < 0 ? true : n;
  }
  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }
  get ttl(): number | undefined {
    const v = this.params.get('ttl');
    return v === undefined || v === null ? undefined : Number(v);
  }
  /** host[:port] */
  get sentBy(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  clone(): Via {
    return new Via(this.transport, this.host, this.port, this.params.clone(), this.protocol);
  }

  toString(): string {
    return `${this.protocol}/${this.transport} ${this.sentBy}${this.params.toString()}`;
  }
}

function readToken(s: string, i: number, end: number, what: string): number {
  const start = i;
  while (i < end && isTokenChar(s.charCodeAt(i))) i++;
  if (i === start) throw new SipParseError(`bad Via: expected ${what}`, i);
  return i;
}

function expectSlash(s: string, i: number, end: number): number {
  i = skipWs(s, i, end);
  if (s.charCodeAt(i) !== 47) throw new SipParseError('bad Via: expected "/" in sent-protocol', i);
  return skipWs(s, i + 1, end);
}

/** Parses one Via header value, which may hold several comma-separated via-parms. */
export function parseVias(s: string, start = 0, end = s.length, out: Via[] = []): Via[] {
  let i = start;
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end) throw new SipParseError('bad Via: empty value', i);
    const pStart = i;
    i = readToken(s, i, end, 'protocol name');
    const pNameEnd = i;
    i = expectSlash(s, i, end);
    const vStart = i;
    i = readToken(s, i, end, 'protocol version');
    const vEnd = i;
    i = expectSlash(s, i, end);
    const tStart = i;
    i = readToken(s, i, end, 'transport');
    let transport = s.slice(tStart, i);
    transport = transport.toUpperCase();
    const protocol =
      i - pStart === 8 + transport.length && s.startsWith('SIP/2.0/', pStart)
        ? 'SIP/2.0'
        : s.slice(pStart, pNameEnd).toUpperCase() + '/' + s.slice(vStart, vEnd);
    const ws = i;
    i = skipWs(s, i, end);
    if (i === ws) throw new SipParseError('bad Via: expected whitespace before sent-by', i);
    // sent-by = host [ COLON port ]
    const hStart = i;
    if (s.charCodeAt(i) === 91) {
      const close = s.indexOf(']', i);
      if (close < 0 || close >= end) throw new SipParseError('bad Via: unterminated IPv6 reference', i);
      i = close + 1;
    } else {
      while (i < end) {
        const c = s.charCodeAt(i);
        if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 45 || (c >= 65 && c <= 90) || c === 95) i++;
        else break;
      }
    }
    if (i === hStart) throw new SipParseError('bad Via: missing host', i);
    const host = s.slice(hStart, i);
    i = skipWs(s, i, end);
    let port: number | undefined;
    if (s.charCodeAt(i) === 58) {
      i = skipWs(s, i + 1, end);
      const ps = i;
      while (i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      const p = parseDigits(s, ps, i, 5);
      if (p < 0 || p > 65535) throw new SipParseError('bad Via: bad port', ps);
      port = p;
      i = skipWs(s, i, end);
    }
    let comma = indexOfTopLevel(s, CH_COMMA, i, end);
    if (comma === -2) throw new SipParseError('bad Via: unbalanced quotes', i);
    if (comma < 0) comma = end;
    let params: Params | undefined;
    if (i < comma) {
      if (s.charCodeAt(i) !== 59) throw new SipParseError('bad Via: unexpected character after sent-by', i);
      const pe = skipWsBack(s, comma, i);
      const parsed = parseParams(s, i, pe, true);
      if (parsed === null) throw new SipParseError('bad Via: bad parameter', i);
      params = parsed;
    }
    out.push(new Via(transport, host, port, params, protocol));
    if (comma >= end) return out;
    i = comma + 1;
  }
}
