/**
 * name-addr / addr-spec (RFC 3261 §20.10, §25.1): `"Display" <uri>;param=value` or a bare URI.
 * With a bare addr-spec, everything after the first `;` is a header parameter (§20.10), so a
 * URI with `;`, `?` or `,` must be in angle brackets.
 */
import { SipParseError } from '../base/errors';
import { CH_LT, CH_QUOTE, isTokenChar, isWs, quote, quotedEnd, skipWs, skipWsBack, unquote } from './lex';
import { Params, parseParams } from './params';
import { parseUri, type Uri } from './uri';

export class NameAddr {
  /**
   * @param uri the address
   * @param display the display name as written on the wire (quoted-string or tokens), if any
   * @param params header parameters (tag, expires, q, +sip.instance …)
   * @param angle whether the URI is printed in `<>`; forced when it needs them
   */
  constructor(
    public uri: Uri,
    public display: string | undefined = undefined,
    public params: Params = new Params(),
    public angle = true,
  ) {}

  /** Builds a name-addr from a plain display name (quoted when it is not a token list). */
  static create(uri: Uri, displayName?: string, params?: Params): NameAddr {
    let display: string | undefined;
    if (displayName !== undefined && displayName.length > 0) {
      display = /^[A-Za-z0-9\-.!%*_+`'~]+( [A-Za-z0-9\-.!%*_+`'~]+)*$/.test(displayName) ? displayName : quote(displayName);
    }
    return new NameAddr(uri, display, params ?? new Params(), true);
  }

  /** The display name without quotes and escapes. */
  get displayName(): string | undefined {
    return this.display === undefined ? undefined : unquote(this.display);
  }

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }
  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  clone(): NameAddr {
    return new NameAddr(this.uri.clone(), this.display, this.params.clone(), this.angle);
  }

  toString(): string {
    const u = this.uri.toString();
    const needAngle = this.angle || this.display !== undefined || /[;,?]/.test(u);
    let s = needAngle ? (this.display !== undefined ? this.display + ' <' + u + '>' : '<' + u + '>') : u;
    s += this.params.toString();
    return s;
  }
}

/** Parses one name-addr or addr-spec from s[start, end). Throws SipParseError (offset in `s`). */
export function parseNameAddr(s: string, start = 0, end = s.length): NameAddr {
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
      return parseAddrSpec(s, i, end);
    }
  } else {
    lt = i;
  }
  const gt = s.indexOf('>', lt + 1);
  if (gt < 0 || gt >= end) throw new SipParseError('missing ">"', lt);
  const uriText = s.slice(lt + 1, gt);
  let uri: Uri;
  try {
    uri = parseUri(uriText);
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError(e.message, lt + 1 + e.offset);
    throw e;
  }
  const params = parseParams(s, gt + 1, end, true);
  if (params === null) throw new SipParseError('bad parameter', gt + 1);
  return new NameAddr(uri, display, params, true);
}

function parseAddrSpec(s: string, i: number, end: number): NameAddr {
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
  let uri: Uri;
  try {
    uri = parseUri(uriText);
  } catch (e) {
    if (e instanceof SipParseError) throw new SipParseError(e.message, i + e.offset);
    throw e;
  }
  const params = parseParams(s, semi, end, true);
  if (params === null) throw new SipParseError('bad parameter', semi);
  return new NameAddr(uri, undefined, params, false);
}
