/**
 * The checks behind `parseUri` for sip and sips URIs (RFC 3261 §19.1.1, §25.1): the full grammar
 * scan, which names faults, and in front of it one anchored pattern for the usual shape. Both
 * record where the parts are in `sipUriParts`, so checking allocates nothing.
 */
import { SipParseError } from '../base/errors';
import { PORT_PATTERN, escapesValid, parseDigits } from './lex';
import { scanParams } from './params';

// Characters allowed in the user part: unreserved / escaped / user-unreserved (§25.1).
const USER_OK = charTable("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()%&=+$,;?/");
const PASS_OK = charTable("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()%&=+$,");
const HOST_OK = charTable('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.');
// paramchar / hnv-unreserved plus unreserved, escaped (§25.1); "=" and "&" separate.
const PARAM_OK = charTable("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()%[]/:&+$=;");
const HEADER_OK = charTable("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()%[]/?:+$=&");
export const SCHEME_OK = charTable('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.');
export const TEL_OK = charTable("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()%[]/:&+$=;,");

function charTable(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
}

/** Every character of s[start, end) is ASCII and marked in `table`. */
export function allIn(table: Uint8Array, s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) return false;
  }
  return true;
}

/** Throws the URI fault `what` at `offset` in s. */
export function fail(what: string, s: string, offset: number): never {
  throw new SipParseError(`bad URI "${s.length > 80 ? s.slice(0, 80) + '…' : s}": ${what}`, offset);
}

// The usual shape of a sip/sips URI, as a fast path in front of the §19.1 scan: lower-case
// scheme, user without password or escapes, host name or IPv4 address, port up to 65535,
// parameters without escapes, no headers. It accepts only what scanSipUri accepts; anything
// else (IPv6, "%", passwords, headers, upper-case scheme …) takes the scan, which names faults.
const USER_FAST = "[A-Za-z0-9\\-_.!~*'()&=+$,;?/]+";
const PNAME_FAST = "[A-Za-z0-9\\-_.!~*'()\\[\\]/:&+$]+";
const PVALUE_FAST = "[A-Za-z0-9\\-_.!~*'()\\[\\]/:&+$=]*";
/** The fast sip-URI shape without anchors, for patterns that embed it. */
export const SIP_URI_FAST_SOURCE = `sips?:(?:${USER_FAST}@)?[A-Za-z0-9\\-.]+(?::${PORT_PATTERN})?(?:;${PNAME_FAST}(?:=${PVALUE_FAST})?)*`;
export const SIP_URI_FAST = new RegExp(`^${SIP_URI_FAST_SOURCE}$`);

/** 4 for "sip:", 5 for "sips:" (any case), else 0. */
export function sipSchemeLength(s: string, colon: number): number {
  if (colon !== 3 && colon !== 4) return 0;
  if ((s.charCodeAt(0) | 0x20) !== 115 || (s.charCodeAt(1) | 0x20) !== 105 || (s.charCodeAt(2) | 0x20) !== 112) return 0;
  if (colon === 3) return 4;
  return (s.charCodeAt(3) | 0x20) === 115 ? 5 : 0;
}

/**
 * Where the last scanSipUri or splitFastSipUri call found the parts of its URI (indices in its
 * string, -1 when absent). Read it right after the call.
 */
export const sipUriParts = {
  /** the "@" ending userinfo */
  at: -1,
  /** end of the user part: a ":" before the password, or `at` */
  userEnd: -1,
  hostStart: 0,
  hostEnd: 0,
  /** the port's value, -1 when absent */
  port: -1,
  paramsStart: -1,
  paramsEnd: -1,
  headersStart: -1,
};

/** The §19.1 grammar check of a sip/sips URI whose userinfo-or-host starts at `start`. */
export function scanSipUri(s: string, start: number): void {
  const end = s.length;
  let i = start;
  sipUriParts.at = s.indexOf('@', start);
  sipUriParts.userEnd = -1;
  if (sipUriParts.at >= 0) {
    const pc = s.indexOf(':', start);
    const userEnd = pc >= 0 && pc < sipUriParts.at ? pc : sipUriParts.at;
    if (userEnd === start) fail('empty user', s, start);
    if (!allIn(USER_OK, s, start, userEnd) || !escapesValid(s, start, userEnd)) fail('illegal character in user', s, start);
    if (userEnd < sipUriParts.at) {
      if (!allIn(PASS_OK, s, userEnd + 1, sipUriParts.at) || !escapesValid(s, userEnd + 1, sipUriParts.at)) fail('illegal character in password', s, userEnd + 1);
    }
    sipUriParts.userEnd = userEnd;
    i = sipUriParts.at + 1;
  }
  // hostport
  let hostEnd: number;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0) fail('unterminated IPv6 reference', s, i);
    for (let k = i + 1; k < close; k++) {
      const c = s.charCodeAt(k);
      const ok = (c >= 48 && c <= 58) || ((c | 0x20) >= 97 && (c | 0x20) <= 102) || c === 46;
      if (!ok) fail('bad IPv6 reference', s, k);
    }
    hostEnd = close + 1;
  } else {
    // The host runs to ":", ";", "?" or the end; any other character outside HOST_OK is a fault.
    hostEnd = i;
    while (hostEnd < end) {
      const c = s.charCodeAt(hostEnd);
      if (c < 128 && HOST_OK[c] === 1) hostEnd++;
      else if (c === 58 || c === 59 || c === 63) break;
      else fail('bad host', s, i);
    }
    if (hostEnd === i) fail('bad host', s, i);
  }
  sipUriParts.hostStart = i;
  sipUriParts.hostEnd = hostEnd;
  i = hostEnd;
  sipUriParts.port = -1;
  if (i < end && s.charCodeAt(i) === 58) {
    let pe = i + 1;
    while (pe < end && s.charCodeAt(pe) !== 59 && s.charCodeAt(pe) !== 63) pe++;
    const p = parseDigits(s, i + 1, pe, 5);
    if (p < 0 || p > 65535) fail('bad port', s, i + 1);
    sipUriParts.port = p;
    i = pe;
  }
  sipUriParts.paramsStart = -1;
  sipUriParts.paramsEnd = -1;
  if (i < end && s.charCodeAt(i) === 59) {
    let pe = s.indexOf('?', i);
    if (pe < 0) pe = end;
    if (!allIn(PARAM_OK, s, i, pe) || !escapesValid(s, i, pe)) fail('illegal character in parameters', s, i);
    if (!scanParams(s, i, pe, false, '', null)) fail('bad parameter', s, i);
    sipUriParts.paramsStart = i;
    sipUriParts.paramsEnd = pe;
    i = pe;
  }
  sipUriParts.headersStart = -1;
  if (i < end) {
    if (s.charCodeAt(i) !== 63) fail('unexpected character', s, i);
    if (!allIn(HEADER_OK, s, i + 1, end) || !escapesValid(s, i + 1, end)) fail('illegal character in headers', s, i);
    sipUriParts.headersStart = i + 1;
  }
}

/** Finds the parts of a URI that matched SIP_URI_FAST (sets what scanSipUri sets). */
export function splitFastSipUri(s: string, start: number): void {
  const end = s.length;
  sipUriParts.at = s.indexOf('@', start); // the only "@" the fast shape allows
  sipUriParts.userEnd = sipUriParts.at;
  sipUriParts.hostStart = sipUriParts.at >= 0 ? sipUriParts.at + 1 : start;
  let semi = s.indexOf(';', sipUriParts.hostStart);
  if (semi < 0) semi = end;
  const colon = s.indexOf(':', sipUriParts.hostStart);
  sipUriParts.port = -1;
  if (colon >= 0 && colon < semi) {
    sipUriParts.hostEnd = colon;
    sipUriParts.port = parseDigits(s, colon + 1, semi, 5);
  } else {
    sipUriParts.hostEnd = semi;
  }
  sipUriParts.paramsStart = semi < end ? semi : -1;
  sipUriParts.paramsEnd = semi < end ? end : -1;
  sipUriParts.headersStart = -1;
}
