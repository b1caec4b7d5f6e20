/**
 * Lexical helpers shared by the SIP header parsers (RFC 3261 §25.1). They work on strings with
 * indexOf/charCodeAt so the hot path allocates only the slices it returns.
 */

const TOKEN_TABLE = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') {
  TOKEN_TABLE[c.charCodeAt(0)] = 1;
}

export const CH_SP = 32;
export const CH_TAB = 9;
export const CH_QUOTE = 34;
export const CH_COMMA = 44;
export const CH_SEMI = 59;
export const CH_LT = 60;
export const CH_GT = 62;
export const CH_EQ = 61;
export const CH_BACKSLASH = 92;

/** A regular-expression source for a port number 0–65535 written with at most 5 digits. */
export const PORT_PATTERN = '(?:[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN_TABLE[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWs(c: number): boolean {
  return c === CH_SP || c === CH_TAB;
}

export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== CH_SP && c !== CH_TAB) break;
    i++;
  }
  return i;
}

export function skipWsBack(s: string, end: number, start = 0): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== CH_SP && c !== CH_TAB) break;
    end--;
  }
  return end;
}

/**
 * Index of the closing quote of the quoted-string opening at `open` (which holds `"`), honouring
 * quoted-pair escapes (§25.1), or -1 when the quotes do not balance.
 */
export function quotedEnd(s: string, open: number, end = s.length): number {
  for (let i = open + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === CH_BACKSLASH) i++;
    else if (c === CH_QUOTE) return i;
  }
  return -1;
}

/**
 * Index of the first `ch` in s[from, end) that sits outside quoted strings and <...>, or -1.
 * Returns -2 if a quote or angle bracket does not close (the caller reports the fault).
 */
export function indexOfTopLevel(s: string, ch: number, from = 0, end = s.length): number {
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === ch) return i;
    if (c === CH_QUOTE) {
      i = quotedEnd(s, i, end);
      if (i < 0) return -2;
    } else if (c === CH_LT) {
      i = s.indexOf('>', i + 1);
      if (i < 0 || i >= end) return -2;
    }
  }
  return -1;
}

/** Splits on top-level commas (outside quotes and <...>), trimming each part; drops empty parts. */
export function splitTopLevel(value: string): string[] | null {
  if (value.indexOf(',') < 0) {
    const t = value.trim();
    return t.length > 0 ? [t] : [];
  }
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const comma = indexOfTopLevel(value, CH_COMMA, start);
    if (comma === -2) return null;
    const part = value.slice(start, comma < 0 ? value.length : comma).trim();
    if (part.length > 0) out.push(part);
    if (comma < 0) return out;
    start = comma + 1;
  }
}

/** Removes the quotes and quoted-pair escapes of a quoted-string; other text is returned as is. */
export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== CH_QUOTE || s.charCodeAt(s.length - 1) !== CH_QUOTE) return s;
  const inner = s.slice(1, -1);
  return inner.indexOf('\\') < 0 ? inner : inner.replace(/\\(.)/gs, '$1');
}

/** Wraps a string as a quoted-string, escaping `"` and `\`. */
export function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

/** Decodes %HH escapes (RFC 3261 §19.1.2); malformed escapes are left as written. */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

/** True if every `%` in s[start,end) starts a valid %HH escape. */
export function escapesValid(s: string, start = 0, end = s.length): boolean {
  let i = s.indexOf('%', start);
  while (i >= 0 && i < end) {
    if (i + 2 >= end) return false;
    if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
    i = s.indexOf('%', i + 3);
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Parses a non-negative decimal integer of at most `maxDigits` digits, or returns -1. */
export function parseDigits(s: string, start = 0, end = s.length, maxDigits = 10): number {
  if (end <= start || end - start > maxDigits) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}
