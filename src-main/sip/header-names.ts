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
