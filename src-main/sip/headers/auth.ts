/**
 * Authentication headers (RFC 3261 §20.5, §20.7, §20.27, §20.28, §20.44, §25.1; RFC 7616 §3.3–3.5):
 * WWW-Authenticate / Proxy-Authenticate (challenge), Authorization / Proxy-Authorization
 * (credentials), Authentication-Info. Shape: `Scheme name=value, name="quoted", …`.
 */
import { SipParseError } from '../../base/errors';
import { isTokenChar, quote, quotedEnd, skipWs, unquote } from '../lex';

export interface AuthParams {
  /** "Digest" (compared case-insensitively), or another scheme. */
  readonly scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  readonly params: ReadonlyMap<string, string>;
}

/** Parses a comma-separated auth-param list from s[i, end) into `out`. */
function parseParamList(s: string, i: number, out: Map<string, string>): void {
  const end = s.length;
  while (i < end) {
    i = skipWs(s, i, end);
    if (i >= end) break;
    if (s.charCodeAt(i) === 44) {
      i++;
      continue;
    }
    const ns = i;
    while (i < end && isTokenChar(s.charCodeAt(i))) i++;
    if (i === ns) throw new SipParseError('bad auth parameter name', i);
    const name = s.slice(ns, i).toLowerCase();
    i = skipWs(s, i, end);
    if (s.charCodeAt(i) !== 61) throw new SipParseError(`auth parameter ${name} has no value`, i);
    i = skipWs(s, i + 1, end);
    let value: string;
    if (s.charCodeAt(i) === 34) {
      const q = quotedEnd(s, i, end);
      if (q < 0) throw new SipParseError(`unterminated quoted value for ${name}`, i);
      value = unquote(s.slice(i, q + 1));
      i = q + 1;
    } else {
      const vs = i;
      while (i < end && s.charCodeAt(i) !== 44 && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9) i++;
      value = s.slice(vs, i);
    }
    if (out.has(name)) throw new SipParseError(`auth parameter ${name} repeated`, ns);
    out.set(name, value);
    i = skipWs(s, i, end);
    if (i < end && s.charCodeAt(i) !== 44) throw new SipParseError('expected "," between auth parameters', i);
  }
}

/** Parses a challenge or credentials value: `Digest realm="x", nonce="y"`. */
export function parseAuthHeader(s: string): AuthParams {
  let i = skipWs(s, 0);
  const ss = i;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  if (i === ss) throw new SipParseError('missing auth scheme', ss);
  const scheme = s.slice(ss, i);
  const params = new Map<string, string>();
  parseParamList(s, i, params);
  return { scheme, params };
}

/** Parses Authentication-Info (no scheme, RFC 3261 §20.6, RFC 7616 §3.5). */
export function parseAuthenticationInfo(s: string): ReadonlyMap<string, string> {
  const params = new Map<string, string>();
  parseParamList(s, 0, params);
  return params;
}

/** Parameters printed without quotes (RFC 7616 §3.4: algorithm, qop, nc, stale, userhash). */
const UNQUOTED: ReadonlySet<string> = new Set(['algorithm', 'qop', 'nc', 'stale', 'userhash']);

/** Prints `Scheme a="b", c=d` in the given parameter order. */
export function formatAuthHeader(scheme: string, params: Iterable<readonly [string, string]>): string {
  const parts: string[] = [];
  for (const [name, value] of params) {
    parts.push(`${name}=${UNQUOTED.has(name.toLowerCase()) ? value : quote(value)}`);
  }
  return `${scheme} ${parts.join(', ')}`;
}
