/**
 * SIP, SIPS and TEL URIs (RFC 3261 §19.1, §25.1; RFC 3966), parsed by hand with indexOf and
 * printed back exactly as written. Comparison follows RFC 3261 §19.1.4.
 */
import { unescapeUri } from './lex';
import { Params, parseParams, type Param } from './params';
import { SCHEME_OK, SIP_URI_FAST, TEL_OK, allIn, fail, scanSipUri, sipSchemeLength, sipUriParts, splitFastSipUri } from './uri-scan';

export type Uri = SipUri | TelUri | AbsoluteUri;

/** sip: / sips: URI. Fields keep their escaped, written form; `host` keeps IPv6 brackets. */
export class SipUri {
  readonly kind = 'sip' as const;
  scheme: 'sip' | 'sips';
  host: string;
  user: string | undefined;
  password: string | undefined;
  port: number | undefined;
  private _params: Params | undefined;
  private _headers: Params | undefined;
  // A parsed URI keeps its (checked) parameters as written until they are read; printing the
  // text is exact, since URI parameters have no optional whitespace (§19.1.1).
  private _paramText = '';

  constructor(
    scheme: 'sip' | 'sips',
    host: string,
    user: string | undefined = undefined,
    password: string | undefined = undefined,
    port: number | undefined = undefined,
    params?: Params,
    headers?: Params,
  ) {
    this.scheme = scheme;
    this.host = host;
    this.user = user;
    this.password = password;
    this.port = port;
    this._params = params;
    this._headers = headers;
  }

  /** URI parameters (transport, lr, maddr, user …). */
  get params(): Params {
    if (this._params === undefined) {
      this._params = this._paramText === '' ? new Params() : (parseParams(this._paramText, 0, this._paramText.length, false) ?? new Params());
      this._paramText = '';
    }
    return this._params;
  }
  set params(value: Params) {
    this._params = value;
    this._paramText = '';
  }

  /** URI headers (`?name=value&…`). */
  get headers(): Params {
    return (this._headers ??= new Params());
  }
  set headers(value: Params) {
    this._headers = value;
  }

  get transport(): string | undefined {
    const t = this.params.get('transport');
    return t === null || t === undefined ? undefined : t.toLowerCase();
  }
  get lr(): boolean {
    return this.params.has('lr');
  }
  get maddr(): string | undefined {
    return this.params.get('maddr') ?? undefined;
  }
  /** The `user=` URI parameter (e.g. "phone"). */
  get userParam(): string | undefined {
    return this.params.get('user') ?? undefined;
  }
  /** host:port as printed, port omitted when unset. */
  get hostport(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  clone(): SipUri {
    const c = new SipUri(this.scheme, this.host, this.user, this.password, this.port, undefined, this._headers?.clone());
    if (this._params === undefined) c._paramText = this._paramText;
    else c._params = this._params.clone();
    return c;
  }

  toString(): string {
    let s = this.scheme + ':';
    if (this.user !== undefined) {
      s += this.user;
      if (this.password !== undefined) s += ':' + this.password;
      s += '@';
    }
    s += this.host;
    if (this.port !== undefined) s += ':' + this.port;
    s += this._params === undefined ? this._paramText : this._params.toString();
    if (this._headers !== undefined && this._headers.size > 0) s += '?' + this._headers.toString('&').slice(1);
    return s;
  }

  /** @internal keeps parameters checked by the parser as text (`;a=b;c`) until read. */
  setParamText(text: string): void {
    this._params = undefined;
    this._paramText = text;
  }
}

/** tel: URI (RFC 3966): the number (global "+..." or local) and its parameters. */
export class TelUri {
  readonly kind = 'tel' as const;
  readonly scheme = 'tel' as const;
  constructor(
    public number: string,
    public params: Params = new Params(),
  ) {}
  get isGlobal(): boolean {
    return this.number.startsWith('+');
  }
  clone(): TelUri {
    return new TelUri(this.number, this.params.clone());
  }
  toString(): string {
    return 'tel:' + this.number + this.params.toString();
  }
}

/** Any other absoluteURI (RFC 3261 allows them in To/From/Contact, e.g. mailto:, urn:). */
export class AbsoluteUri {
  readonly kind = 'absolute' as const;
  constructor(
    public scheme: string,
    public rest: string,
  ) {}
  clone(): AbsoluteUri {
    return new AbsoluteUri(this.scheme, this.rest);
  }
  toString(): string {
    return this.scheme + ':' + this.rest;
  }
}

/**
 * Parses a URI. sip/sips get the full §19.1 grammar check, tel the RFC 3966 shape; any other
 * scheme is kept opaque. Throws SipParseError (offset relative to `s`).
 */
export function parseUri(s: string): Uri {
  const colon = s.indexOf(':');
  if (colon <= 0 || !allIn(SCHEME_OK, s, 0, colon)) fail('missing scheme', s, 0);
  const sip = sipSchemeLength(s, colon);
  if (sip === 4) return parseSipUri(s, 'sip', 4);
  if (sip === 5) return parseSipUri(s, 'sips', 5);
  const scheme = s.slice(0, colon).toLowerCase();
  if (scheme === 'tel') return parseTelUri(s, 4);
  if (colon + 1 >= s.length) fail('empty URI', s, colon);
  for (let i = colon + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) fail('illegal character', s, i);
  }
  return new AbsoluteUri(s.slice(0, colon), s.slice(colon + 1));
}

/**
 * Checks a URI exactly as `parseUri` does (same faults and offsets) without building it; sip and
 * sips URIs are checked without allocating.
 */
export function checkUri(s: string): void {
  const colon = s.indexOf(':');
  if (colon <= 0 || !allIn(SCHEME_OK, s, 0, colon)) fail('missing scheme', s, 0);
  const sip = sipSchemeLength(s, colon);
  if (sip === 0) parseUri(s);
  else if (!SIP_URI_FAST.test(s)) scanSipUri(s, sip);
}


/** @internal builds a URI whose text is known to match SIP_URI_FAST (e.g. inside a larger match). */
export function parseFastSipUri(s: string): SipUri {
  const secure = s.charCodeAt(3) === 115;
  const start = secure ? 5 : 4;
  splitFastSipUri(s, start);
  return buildSipUri(s, secure ? 'sips' : 'sip', start);
}

function parseSipUri(s: string, scheme: 'sip' | 'sips', start: number): SipUri {
  if (SIP_URI_FAST.test(s)) splitFastSipUri(s, start);
  else scanSipUri(s, start);
  return buildSipUri(s, scheme, start);
}

/** A SipUri from the parts the last split or scan found. */
function buildSipUri(s: string, scheme: 'sip' | 'sips', start: number): SipUri {
  const p = sipUriParts;
  const user = p.at >= 0 ? s.slice(start, p.userEnd) : undefined;
  const password = p.at >= 0 && p.userEnd < p.at ? s.slice(p.userEnd + 1, p.at) : undefined;
  const headers = p.headersStart >= 0 ? parseUriHeaders(s, p.headersStart, s.length) : undefined;
  const uri = new SipUri(scheme, s.slice(p.hostStart, p.hostEnd), user, password, p.port < 0 ? undefined : p.port, undefined, headers);
  if (p.paramsStart >= 0) uri.setParamText(s.slice(p.paramsStart, p.paramsEnd));
  return uri;
}

function parseUriHeaders(s: string, start: number, end: number): Params {
  const list: Param[] = [];
  for (const part of s.slice(start, end).split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    list.push(eq < 0 ? { name: part, value: null } : { name: part.slice(0, eq), value: part.slice(eq + 1) });
  }
  return new Params(list);
}

function parseTelUri(s: string, start: number): TelUri {
  let pe = s.indexOf(';', start);
  if (pe < 0) pe = s.length;
  if (pe === start) fail('empty telephone number', s, start);
  for (let i = start; i < pe; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102) || c === 42 || c === 35 ||
      c === 43 || c === 45 || c === 46 || c === 40 || c === 41 || c === 112 || c === 119;
    if (!ok || (c === 43 && i !== start)) fail('bad telephone number', s, i);
  }
  if (!allIn(TEL_OK, s, pe, s.length)) fail('illegal character in parameters', s, pe);
  const params = parseParams(s, pe, s.length, false);
  if (params === null) fail('bad parameter', s, pe);
  return new TelUri(s.slice(start, pe), params);
}

const VISUAL_SEPARATORS = /[-.()]/g;

/**
 * URI equivalence (RFC 3261 §19.1.4): scheme and host case-insensitive, user and password
 * case-sensitive after unescaping, port/transport/ttl/user/method/maddr must match when present
 * in either, other parameters only when present in both, headers must match. tel: compares the
 * number without visual separators and parameters by name (RFC 3966 §4).
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind === 'sip' && b.kind === 'sip') return sipUriEquals(a, b);
  if (a.kind === 'tel' && b.kind === 'tel') {
    if (a.number.replace(VISUAL_SEPARATORS, '').toLowerCase() !== b.number.replace(VISUAL_SEPARATORS, '').toLowerCase()) return false;
    return paramsEqualBoth(a.params, b.params, true);
  }
  if (a.kind === 'absolute' && b.kind === 'absolute') {
    return a.scheme.toLowerCase() === b.scheme.toLowerCase() && a.rest === b.rest;
  }
  return false;
}

const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

function sipUriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if ((a.user === undefined) !== (b.user === undefined)) return false;
  if (a.user !== undefined && unescapeUri(a.user) !== unescapeUri(b.user!)) return false;
  if ((a.password ?? '') !== (b.password ?? '') && unescapeUri(a.password ?? '') !== unescapeUri(b.password ?? '')) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  // "A URI omitting any component with a default value will not match a URI explicitly
  // containing that component with its default value" (§19.1.4): port 5060 ≠ no port.
  if (a.port !== b.port) return false;
  for (const name of MUST_MATCH) {
    const va = a.params.get(name);
    const vb = b.params.get(name);
    if (va === undefined && vb === undefined) continue;
    if (va === undefined || vb === undefined) return false;
    if (unescapeUri(va ?? '').toLowerCase() !== unescapeUri(vb ?? '').toLowerCase()) return false;
  }
  if (!paramsEqualBoth(a.params, b.params, false)) return false;
  // Headers: every header in either URI must be present and equal in the other.
  if (a.headers.size !== b.headers.size) return false;
  for (const h of a.headers.entries()) {
    const v = b.headers.get(h.name);
    if (v === undefined || unescapeUri(v ?? '') !== unescapeUri(h.value ?? '')) return false;
  }
  return true;
}

/** Parameters present in both must be equal (case-insensitive); with `all`, sets must match too. */
function paramsEqualBoth(a: Params, b: Params, all: boolean): boolean {
  if (all && a.size !== b.size) return false;
  for (const p of a.entries()) {
    const v = b.get(p.name);
    if (v === undefined) {
      if (all) return false;
      continue;
    }
    if (unescapeUri(p.value ?? '').toLowerCase() !== unescapeUri(v ?? '').toLowerCase()) return false;
  }
  return true;
}
