/**
 * Via (RFC 3261 §20.42, §25.1): `SIP/2.0/UDP host:port;branch=z9hG4bK…;received=…;rport`.
 * RFC 3581 adds rport (a flag in requests, a number in responses).
 */
import { SipParseError } from '../../base/errors';
import { CH_COMMA, PORT_PATTERN, indexOfTopLevel, isTokenChar, parseDigits, skipWs, skipWsBack } from '../lex';
import { Params, findCleanParam, paramHit, parseParams, scanParams } from '../params';

export class Via {
  /** Transport as written, upper-cased: UDP, TCP, TLS, SCTP, WS, WSS … */
  transport: string;
  host: string;
  port: number | undefined;
  /** protocol-name/protocol-version, "SIP/2.0". */
  protocol: string;
  private _params: Params | undefined;
  // A parsed Via keeps its parameters as text (checked) until they are read; the branch is
  // taken out at parse time because every transaction reads it (§17.1.3, §17.2.3).
  private _src: string | undefined = undefined;
  private _pStart = 0;
  private _pEnd = 0;
  private _branch: string | undefined = undefined;

  constructor(transport: string, host: string, port: number | undefined = undefined, params?: Params, protocol = 'SIP/2.0') {
    this.transport = transport;
    this.host = host;
    this.port = port;
    this.protocol = protocol;
    this._params = params;
  }

  /** @internal a Via whose parameters s[pStart, pEnd) were checked by `scanParams`. */
  static fromText(transport: string, host: string, port: number | undefined, protocol: string, s: string, pStart: number, pEnd: number, branch: string | undefined): Via {
    const v = new Via(transport, host, port, undefined, protocol);
    v._src = s;
    v._pStart = pStart;
    v._pEnd = pEnd;
    v._branch = branch;
    return v;
  }

  /** Header parameters (branch, received, rport, maddr, ttl …). */
  get params(): Params {
    if (this._params === undefined) {
      this._params = this._src === undefined ? new Params() : (parseParams(this._src, this._pStart, this._pEnd, true) ?? new Params());
      this._src = undefined;
    }
    return this._params;
  }
  set params(value: Params) {
    this._params = value;
    this._src = undefined;
  }

  get branch(): string | undefined {
    if (this._params === undefined) return this._src === undefined ? undefined : this._branch;
    return this._params.get('branch') ?? undefined;
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
    if (this._params === undefined && this._src !== undefined) {
      return Via.fromText(this.transport, this.host, this.port, this.protocol, this._src, this._pStart, this._pEnd, this._branch);
    }
    return new Via(this.transport, this.host, this.port, this.params.clone(), this.protocol);
  }

  toString(): string {
    return `${this.protocol}/${this.transport} ${this.sentBy}${this.params.toString()}`;
  }
}

/** The transport upper-cased, without allocating for the usual UDP, TCP and TLS. */
function transportName(s: string, start: number, end: number): string {
  if (end - start === 3) {
    const a = s.charCodeAt(start) | 0x20;
    const b = s.charCodeAt(start + 1) | 0x20;
    const c = s.charCodeAt(start + 2) | 0x20;
    if (a === 117 && b === 100 && c === 112) return 'UDP';
    if (a === 116 && b === 99 && c === 112) return 'TCP';
    if (a === 116 && b === 108 && c === 115) return 'TLS';
  }
  return s.slice(start, end).toUpperCase();
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

// The usual shape of a whole Via value, as a fast path in front of the scan below: one via-parm,
// "SIP/2.0/" and UDP, TCP or TLS, host name or IPv4 address, port up to 65535, token parameter
// names, values without white space, quotes, "<" or ",". It accepts only what the scan accepts
// with the same result; anything else takes the scan, which also names the faults.
const VIA_FAST = new RegExp(`^SIP/2\\.0/(?:UDP|TCP|TLS) [A-Za-z0-9.\\-_]+(?::${PORT_PATTERN})?(?:;[A-Za-z0-9\\-.!%*_+\`'~]+(?:=[^;",<\\s]*)?)*$`);

/** Parses one Via header value, which may hold several comma-separated via-parms. */
export function parseVias(s: string, start = 0, end = s.length, out: Via[] = []): Via[] {
  if (start === 0 && end === s.length && VIA_FAST.test(s)) {
    out.push(fastVia(s));
    return out;
  }
  let i = start;
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end) throw new SipParseError('bad Via: empty value', i);
    const pStart = i;
    let tStart: number;
    let pNameEnd = i + 3;
    let vStart = i + 4;
    let vEnd = i + 7;
    if (i + 8 <= end && s.startsWith('SIP/2.0/', i)) {
      tStart = skipWs(s, i + 8, end); // LWS may follow the SLASH (§25.1)
      i = tStart;
    } else {
      i = readToken(s, i, end, 'protocol name');
      pNameEnd = i;
      i = expectSlash(s, i, end);
      vStart = i;
      i = readToken(s, i, end, 'protocol version');
      vEnd = i;
      i = expectSlash(s, i, end);
      tStart = i;
    }
    i = readToken(s, i, end, 'transport');
    const transport = transportName(s, tStart, i);
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
    let comma = nextComma(s, i, end);
    if (comma === -2) throw new SipParseError('bad Via: unbalanced quotes', i);
    if (comma < 0) comma = end;
    let via: Via;
    if (i < comma) {
      if (s.charCodeAt(i) !== 59) throw new SipParseError('bad Via: unexpected character after sent-by', i);
      const pe = skipWsBack(s, comma, i);
      if (!scanParams(s, i, pe, true, 'branch', null)) throw new SipParseError('bad Via: bad parameter', i);
      const b = paramHit.start;
      via = Via.fromText(transport, host, port, protocol, s, i, pe, b >= 0 ? s.slice(b, paramHit.end) : undefined);
    } else {
      via = new Via(transport, host, port, undefined, protocol);
    }
    out.push(via);
    if (comma >= end) return out;
    i = comma + 1;
  }
}

/** Builds a Via from a value that matched VIA_FAST. */
function fastVia(s: string): Via {
  const t = s.charCodeAt(8);
  const transport = t === 85 ? 'UDP' : s.charCodeAt(9) === 67 ? 'TCP' : 'TLS';
  const end = s.length;
  let semi = s.indexOf(';', 12);
  if (semi < 0) semi = end;
  const colon = s.indexOf(':', 12);
  let host: string;
  let port: number | undefined;
  if (colon >= 0 && colon < semi) {
    host = s.slice(12, colon);
    port = parseDigits(s, colon + 1, semi, 5);
  } else {
    host = s.slice(12, semi);
  }
  if (semi === end) return new Via(transport, host, port, undefined, 'SIP/2.0');
  findCleanParam(s, semi, end, 'branch');
  const b = paramHit.start;
  return Via.fromText(transport, host, port, 'SIP/2.0', s, semi, end, b >= 0 ? s.slice(b, paramHit.end) : undefined);
}

/** `indexOfTopLevel(s, ",", i, end)`, with memchr-speed scans when no quote or "<" comes first. */
function nextComma(s: string, i: number, end: number): number {
  let comma = s.indexOf(',', i);
  if (comma >= end) comma = -1;
  const stop = comma < 0 ? end : comma;
  const q = s.indexOf('"', i);
  const lt = s.indexOf('<', i);
  if ((q < 0 || q >= stop) && (lt < 0 || lt >= stop)) return comma;
  return indexOfTopLevel(s, CH_COMMA, i, end);
}
