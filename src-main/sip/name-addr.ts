/**
 * name-addr / addr-spec (RFC 3261 §20.10, §25.1): `"Display" <uri>;param=value` or a bare URI.
 * With a bare addr-spec, everything after the first `;` is a header parameter (§20.10), so a
 * URI with `;`, `?` or `,` must be in angle brackets.
 */
import { SipParseError } from '../base/errors';
import { CH_LT, CH_QUOTE, isTokenChar, isWs, quote, quotedEnd, skipWs, skipWsBack, unquote } from './lex';
import { Params, findCleanParam, paramHit, parseParams, scanParams } from './params';
import { AbsoluteUri, checkUri, parseFastSipUri, parseUri, type Uri } from './uri';
import { SIP_URI_FAST_SOURCE } from './uri-scan';

// Marks a NameAddr whose URI is still text (checked by `checkUri`, built on first read).
const UNBUILT: Uri = new AbsoluteUri('x', 'unbuilt');

export class NameAddr {
  /** the display name as written on the wire (quoted-string or tokens), if any */
  display: string | undefined;
  /** whether the URI is printed in `<>`; forced when it needs them */
  angle: boolean;
  private _uri: Uri;
  private _uriText = '';
  private _params: Params | undefined;
  // Parsed header parameters stay text (checked) until read; the tag is taken out at parse time.
  private _src: string | undefined = undefined;
  private _pStart = 0;
  private _pEnd = 0;
  private _tag: string | undefined = undefined;

  /**
   * @param uri the address
   * @param display the display name as written on the wire (quoted-string or tokens), if any
   * @param params header parameters (tag, expires, q, +sip.instance …)
   * @param angle whether the URI is printed in `<>`; forced when it needs them
   */
  constructor(uri: Uri, display: string | undefined = undefined, params?: Params, angle = true) {
    this._uri = uri;
    this.display = display;
    this._params = params;
    this.angle = angle;
  }

  /** Builds a name-addr from a plain display name (quoted when it is not a token list). */
  static create(uri: Uri, displayName?: string, params?: Params): NameAddr {
    let display: string | undefined;
    if (displayName !== undefined && displayName.length > 0) {
      display = /^[A-Za-z0-9\-.!%*_+`'~]+( [A-Za-z0-9\-.!%*_+`'~]+)*$/.test(displayName) ? displayName : quote(displayName);
    }
    return new NameAddr(uri, display, params ?? new Params(), true);
  }

  get uri(): Uri {
    if (this._uri === UNBUILT) this._uri = parseUri(this._uriText);
    return this._uri;
  }
  set uri(value: Uri) {
    this._uri = value;
  }

  /** Header parameters (tag, expires, q, +sip.instance …). */
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

  /** The display name without quotes and escapes. */
  get displayName(): string | undefined {
    return this.display === undefined ? undefined : unquote(this.display);
  }

  get tag(): string | undefined {
    if (this._params === undefined) return this._src === undefined ? undefined : this._tag;
    return this._params.get('tag') ?? undefined;
  }
  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  clone(): NameAddr {
    const c = new NameAddr(this._uri === UNBUILT ? UNBUILT : this._uri.clone(), this.display, undefined, this.angle);
    c._uriText = this._uriText;
    if (this._params === undefined && this._src !== undefined) c.setParamText(this._src, this._pStart, this._pEnd, this._tag);
    else c._params = this.params.clone();
    return c;
  }

  toString(): string {
    const u = this.uri.toString();
    const needAngle = this.angle || this.display !== undefined || /[;,?]/.test(u);
    let s = needAngle ? (this.display !== undefined ? this.display + ' <' + u + '>' : '<' + u + '>') : u;
    s += this.params.toString();
    return s;
  }

  /** @internal keeps the checked URI text unbuilt until `uri` is read. */
  setUriText(text: string): void {
    this._uri = UNBUILT;
    this._uriText = text;
  }

  /** @internal keeps the checked parameters s[pStart, pEnd) as text until `params` is read. */
  setParamText(s: string, pStart: number, pEnd: number, tag: string | undefined): void {
    this._params = undefined;
    this._src = s;
    this._pStart = pStart;
    this._pEnd = pEnd;
    this._tag = tag;
  }
}

/** Parses one name-addr or addr-spec from s[start, end). Throws SipParseError (offset in `s`). */
export function parseNameAddr(s: string, start = 0, end = s.length): NameAddr {
  if (start === 0 && end === s.length && NAME_ADDR_FAST.test(s)) return fastNameAddr(s, false);
  return parseAddress(s, start, end, false);
}

/**
 * @internal As `parseNameAddr` (same checks and faults), but the URI stays text until read on
 * the slow path too: From and To are parsed for every message and mostly only their tags are read.
 */
export function parseNameAddrLazily(s: string): NameAddr {
  return NAME_ADDR_FAST.test(s) ? fastNameAddr(s, true) : parseAddress(s, 0, s.length, true);
}

// The usual From/To shape, as a fast path in front of parseAddress: an optional display name
// (quoted without escapes, or tokens with single spaces), a URI in <> of the fast sip shape,
// token parameters with token values. It accepts only what parseAddress accepts, with the same
// result; anything else takes parseAddress, which also names the faults.
const TOKEN_CHARS = "[A-Za-z0-9\\-.!%*_+`'~]+";
const NAME_ADDR_FAST = new RegExp(
  `^(?:"[^"\\\\\\r\\n]*" ?|${TOKEN_CHARS}(?: ${TOKEN_CHARS})* ?)?<${SIP_URI_FAST_SOURCE}>(?:;${TOKEN_CHARS}(?:=${TOKEN_CHARS})?)*$`,
);

/** Builds a NameAddr (its URI still text when `lazy`) from a value that matched NAME_ADDR_FAST. */
function fastNameAddr(s: string, lazy: boolean): NameAddr {
  let display: string | undefined;
  let lt = 0;
  const c = s.charCodeAt(0);
  if (c === CH_QUOTE) {
    const q = s.indexOf('"', 1);
    display = s.slice(0, q + 1);
    lt = s.indexOf('<', q + 1);
  } else if (c !== CH_LT) {
    lt = s.indexOf('<');
    display = s.slice(0, skipWsBack(s, lt, 0));
  }
  const gt = s.indexOf('>', lt + 1);
  const na = new NameAddr(UNBUILT, display, undefined, true);
  if (lazy) na.setUriText(s.slice(lt + 1, gt));
  else na.uri = parseFastSipUri(s.slice(lt + 1, gt));
  const end = s.length;
  if (gt + 1 < end) {
    findCleanParam(s, gt + 1, end, 'tag');
    const t = paramHit.start;
    na.setParamText(s, gt + 1, end, t >= 0 ? s.slice(t, paramHit.end) : undefined);
  }
  return na;
}

function parseAddress(s: string, start: number, end: number, lazy: boolean): NameAddr {
  const i = skipWs(s, start, end);
  end = skipWsBack(s, end, i);
  if (i >= end) throw new SipParseError('empty address', start);
  let display: string | undefined;
  const c = s.charCodeAt(i);
  let lt = -1;
  if (c === CH_QUOTE) {
    const q = quotedEnd(s, i, end);
    if (q < 0) throw new SipParseError('unterminated quoted display name', i);
    display = s.slice(i, q + 1);
    lt = skipWs(s, q + 1, end);
    if (s.charCodeAt(lt) !== CH_LT) throw new SipParseError('expected "<" after display name', lt);
  } else if (c !== CH_LT) {
    // Either `token-list <uri>` or a bare addr-spec: look for "<" before any ";".
    // A display name holds no ";", so a "<" after the first ";" sits inside a parameter value.
    const angle = s.indexOf('<', i);
    const semi = s.indexOf(';', i);
    if (angle >= 0 && angle < end && (semi < 0 || angle < semi)) {
      const dEnd = skipWsBack(s, angle, i);
      for (let k = i; k < dEnd; k++) {
        const ch = s.charCodeAt(k);
        if (!isTokenChar(ch) && !isWs(ch)) throw new SipParseError('illegal character in display name', k);
      }
      display = s.slice(i, dEnd);
      lt = angle;
    } else {
      return parseAddrSpec(s, i, end, lazy);
    }
  } else {
    lt = i;
  }
  const gt = s.indexOf('>', lt + 1);
  if (gt < 0 || gt >= end) throw new SipParseError('missing ">"', lt);
  const na = new NameAddr(UNBUILT, display, undefined, true);
  setUri(na, s.slice(lt + 1, gt), lt + 1, lazy);
  if (!scanParams(s, gt + 1, end, true, 'tag', null)) throw new SipParseError('bad parameter', gt + 1);
  setParams(na, s, gt + 1, end);
  return na;
}

function parseAddrSpec(s: string, i: number, end: number, lazy: boolean): NameAddr {
  let semi = s.indexOf(';', i);
  if (semi < 0 || semi > end) semi = end;
  const uriEnd = skipWsBack(s, semi, i);
  const uriText = s.slice(i, uriEnd);
  for (let k = 0; k < uriText.length; k++) {
    const ch = uriText.charCodeAt(k);
    if (ch === 32 || ch === 9) throw new SipParseError('whitespace inside address', i + k);
    // §20.10: a URI holding "," or "?" must be enclosed in "<" and ">".
    if (ch === 63 || ch === 44) throw new SipParseError('URI with "?" or "," must be enclosed in <>', i + k);
  }
  const na = new NameAddr(UNBUILT, undefined, undefined, false);
  setUri(na, uriText, i, lazy);
  if (!scanParams(s, semi, end, true, 'tag', null)) throw new SipParseError('bad parameter', semi);
  setParams(na, s, semi, end);
  return na;
}

/** Checks (lazy) or builds the URI; faults are placed at `at` in the enclosing string. */
function setUri(na: NameAddr, text: string, at: number, lazy: boolean): void {
  try {
    if (lazy) {
      checkUri(text);
      na.setUriText(text);
    } else {
      na.uri = parseUri(text);
    }
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError(e.message, at + e.offset);
    throw e;
  }
}

/** Keeps the parameters scanned last (s[pStart, pEnd)) as text; no parameters need no text. */
function setParams(na: NameAddr, s: string, pStart: number, pEnd: number): void {
  const t = paramHit.start;
  if (skipWs(s, pStart, pEnd) < pEnd) na.setParamText(s, pStart, pEnd, t >= 0 ? s.slice(t, paramHit.end) : undefined);
}
