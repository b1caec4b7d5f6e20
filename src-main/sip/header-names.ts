/**
 * Header name normalisation: names compare case-insensitively and compact forms equal their long
 * names (RFC 3261 §7.3.1, §7.3.3). A header's key is its long name in lower case.
 */
import { COMPACT_FORM } from './constants';

const COMPACT_KEYS: Record<string, string> = {};
for (const [k, v] of Object.entries(COMPACT_FORM)) COMPACT_KEYS[k] = v.toLowerCase();

// Cache of exact spellings seen on the wire ("Via", "v", "VIA") → key; bounded so hostile
// input cannot grow it without limit.
const KEY_CACHE = new Map<string, string>();
const KEY_CACHE_MAX = 2048;

/** The lookup key of a header name: lower-case long form ("v" and "VIA" → "via"). */
export function headerKey(name: string): string {
  const cached = KEY_CACHE.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = lower.length === 1 ? (COMPACT_KEYS[lower] ?? lower) : lower;
  if (KEY_CACHE.size < KEY_CACHE_MAX) KEY_CACHE.set(name, key);
  return key;
}

// Header names common on the wire, in their usual spelling, for the parser's lookup without
// slicing or hashing (compact forms are matched through COMPACT_FORM).
const COMMON_NAMES = [
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type',
  'Route', 'Record-Route', 'Allow', 'Supported', 'Require', 'User-Agent', 'Server', 'Expires',
  'Event', 'Subscription-State', 'Accept', 'Authorization', 'WWW-Authenticate', 'Proxy-Authenticate',
  'Proxy-Authorization', 'Session-Expires', 'Min-SE', 'Refer-To', 'Referred-By', 'Min-Expires',
  'Allow-Events', 'Date', 'Timestamp', 'Subject', 'Organization', 'Reason', 'Retry-After', 'Warning',
  'Unsupported', 'Privacy', 'P-Asserted-Identity', 'Path', 'RSeq', 'RAck', 'Content-Disposition',
  'Accept-Encoding', 'Accept-Language', 'Content-Encoding', 'Proxy-Require', 'Replaces', 'Call-Info',
];

/** Spelling (as usually written) and key of each known name; lower-case spelling for matching. */
export const KNOWN_NAMES: string[] = [];
export const KNOWN_KEYS: string[] = [];
const KNOWN_LOWER: string[] = [];
// Candidates by shape, length * 128 + lower-cased first character (lengths below 32): the first
// index in SHAPE_FIRST, the others chained through SHAPE_NEXT; -1 ends.
const MAX_KNOWN_LENGTH = 31;
const SHAPE_FIRST = new Int16Array((MAX_KNOWN_LENGTH + 1) * 128).fill(-1);
const SHAPE_NEXT: number[] = [];

// The spellings again as bytes (all ASCII), exact and lower-case, at KNOWN_OFFSET[i].
const KNOWN_OFFSET: number[] = [];
let knownBytes: number[] = [];
let knownLowerBytes: number[] = [];

function addKnown(name: string, key: string): void {
  const i = KNOWN_NAMES.length;
  KNOWN_OFFSET.push(knownBytes.length);
  for (let k = 0; k < name.length; k++) {
    knownBytes.push(name.charCodeAt(k));
    knownLowerBytes.push(name.toLowerCase().charCodeAt(k));
  }
  KNOWN_NAMES.push(name);
  KNOWN_KEYS.push(key);
  KNOWN_LOWER.push(name.toLowerCase());
  const shape = name.length * 128 + (name.charCodeAt(0) | 0x20);
  SHAPE_NEXT.push(SHAPE_FIRST[shape]!);
  SHAPE_FIRST[shape] = i;
}
for (const n of COMMON_NAMES) addKnown(n, n.toLowerCase());
for (const [c, long] of Object.entries(COMPACT_FORM)) addKnown(c, long.toLowerCase());
const KNOWN_BYTES = Uint8Array.from(knownBytes);
const KNOWN_LOWER_BYTES = Uint8Array.from(knownLowerBytes);
knownBytes = [];
knownLowerBytes = [];

/**
 * Looks up the header name s[start, end) among the known names, case-insensitively, without
 * allocating. Returns `2 * index + 1` when it is spelled exactly as `KNOWN_NAMES[index]`,
 * `2 * index` when it differs only in case, or -1 when unknown.
 */
export function knownHeader(s: string, start: number, end: number): number {
  const len = end - start;
  const c0 = s.charCodeAt(start);
  if (len > MAX_KNOWN_LENGTH || c0 >= 128) return -1;
  for (let i = SHAPE_FIRST[len * 128 + (c0 | 0x20)]!; i >= 0; i = SHAPE_NEXT[i]!) {
    const name = KNOWN_NAMES[i]!;
    let k = 0;
    while (k < len && s.charCodeAt(start + k) === name.charCodeAt(k)) k++;
    if (k === len) return 2 * i + 1;
    if (sameIgnoringCase(s, start, k, len, KNOWN_LOWER[i]!)) return 2 * i;
  }
  return -1;
}

/** s[at + from, at + len) equals lower[from, len) when "A"-"Z" are folded to "a"-"z". */
function sameIgnoringCase(s: string, at: number, from: number, len: number, lower: string): boolean {
  for (let k = from; k < len; k++) {
    const c = s.charCodeAt(at + k);
    const l = lower.charCodeAt(k);
    if (c !== l && !(l >= 97 && l <= 122 && c >= 65 && c <= 90 && (c | 0x20) === l)) return false;
  }
  return true;
}

/**
 * `knownHeader` on the bytes b[start, end) of an ASCII-aligned head (the parser's input when its
 * header section decodes one character per byte); byte loads are cheaper than charCodeAt.
 */
export function knownHeaderBytes(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  const c0 = b[start]!;
  if (len > MAX_KNOWN_LENGTH || c0 >= 128) return -1;
  for (let i = SHAPE_FIRST[len * 128 + (c0 | 0x20)]!; i >= 0; i = SHAPE_NEXT[i]!) {
    const off = KNOWN_OFFSET[i]!;
    let k = 0;
    while (k < len && b[start + k] === KNOWN_BYTES[off + k]) k++;
    if (k === len) return 2 * i + 1;
    for (; k < len; k++) {
      const c = b[start + k]!;
      const l = KNOWN_LOWER_BYTES[off + k]!;
      if (c !== l && !(l >= 97 && l <= 122 && c >= 65 && c <= 90 && (c | 0x20) === l)) break;
    }
    if (k === len) return 2 * i;
  }
  return -1;
}
