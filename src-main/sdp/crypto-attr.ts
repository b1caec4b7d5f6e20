/**
 * RFC 4568 (SDES) a=crypto: parse, check and format.
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]      RFC 4568 §9.1
 *   key-params = "inline:" <base64 key||salt> ["|" lifetime] ["|" MKI ":" MKI-length]
 *
 * The key in an SDP is the key its author encrypts with (RFC 4568 §6.1): our a=crypto carries
 * our sending key, the peer's carries the key we decrypt with.
 */
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../base/errors';
import type { CryptoAttribute } from './model';

/** The suites Parley's SRTP supports (RFC 4568 §6.2, RFC 7714 §14.2). */
export type SrtpSuiteName =
  | 'AES_CM_128_HMAC_SHA1_80'
  | 'AES_CM_128_HMAC_SHA1_32'
  | 'AEAD_AES_128_GCM'
  | 'AEAD_AES_256_GCM';

/** Master key and salt lengths in bytes: RFC 3711 §8.2 (AES-CM: 16 + 14), RFC 7714 §11 (GCM: 16|32 + 12). */
export const SRTP_KEY_LENGTHS: Readonly<Record<SrtpSuiteName, { readonly key: number; readonly salt: number }>> = {
  AES_CM_128_HMAC_SHA1_80: { key: 16, salt: 14 },
  AES_CM_128_HMAC_SHA1_32: { key: 16, salt: 14 },
  AEAD_AES_128_GCM: { key: 16, salt: 12 },
  AEAD_AES_256_GCM: { key: 32, salt: 12 },
};

export const SRTP_SUITE_NAMES = Object.keys(SRTP_KEY_LENGTHS) as readonly SrtpSuiteName[];

export function isSupportedSuite(name: string): name is SrtpSuiteName {
  return Object.prototype.hasOwnProperty.call(SRTP_KEY_LENGTHS, name);
}

/** Bytes of key||salt a suite's inline key must decode to. */
export function keySaltLength(suite: SrtpSuiteName): number {
  const l = SRTP_KEY_LENGTHS[suite];
  return l.key + l.salt;
}

/** One inline key (RFC 4568 §6.1). */
export interface InlineKey {
  /** base64 of master key || master salt, as written in the SDP. */
  readonly keySalt: string;
  /** Master key lifetime in packets, as written (`2^31` or a decimal). */
  readonly lifetime?: string;
  readonly mki?: { readonly value: number; readonly length: number };
}

export interface ParsedCrypto {
  readonly tag: number;
  readonly suite: SrtpSuiteName;
  readonly keys: readonly InlineKey[];
  /** Session parameters we accept: only `WSH=<n>` (a window size hint). */
  readonly sessionParams: readonly string[];
}

export type CryptoParseResult =
  | { readonly ok: true; readonly crypto: ParsedCrypto }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks one a=crypto line. A line we cannot use is a value, not an error: the offer may carry
 * other lines we can (RFC 4568 §7.1.2: "the answerer ... selects one of the crypto attributes").
 */
export function parseCrypto(attr: CryptoAttribute): CryptoParseResult {
  if (!isSupportedSuite(attr.suite)) return fail(`crypto suite ${attr.suite} is not supported`);
  const suite = attr.suite;
  const keys: InlineKey[] = [];
  for (const param of attr.keyParams.split(';')) {
    const key = parseInlineKey(param, suite);
    if (typeof key === 'string') return fail(key);
    keys.push(key);
  }
  // RFC 4568 §6.1: with several keys each one must carry an MKI.
  if (keys.length > 1 && keys.some((k) => k.mki === undefined)) {
    return fail('several keys without MKI');
  }
  const sessionParams = (attr.sessionParams ?? '').split(/\s+/).filter((p) => p !== '');
  for (const p of sessionParams) {
    // RFC 4568 §6.3: UNENCRYPTED_SRTP/SRTCP, UNAUTHENTICATED_SRTP, KDR, FEC_ORDER, FEC_KEY
    // change the SRTP transform; only the window size hint leaves it unchanged.
    if (!/^WSH=\d+$/.test(p)) return fail(`session parameter ${p} is not supported`);
  }
  return { ok: true, crypto: { tag: attr.tag, suite, keys, sessionParams } };
}

function parseInlineKey(param: string, suite: SrtpSuiteName): InlineKey | string {
  const m = /^inline:([^|]+)(?:\|([^|]+))?(?:\|([^|]+))?$/.exec(param);
  if (!m) return `key parameter "${param}" is not inline:<key||salt>[|lifetime][|MKI:length]`;
  const keySalt = m[1]!;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keySalt)) return 'inline key is not base64';
  const bytes = Buffer.from(keySalt, 'base64').length;
  if (bytes !== keySaltLength(suite)) {
    return `inline key is ${bytes} bytes; ${suite} needs ${keySaltLength(suite)} (key + salt)`;
  }
  let lifetime: string | undefined;
  let mki: InlineKey['mki'];
  for (const part of [m[2], m[3]]) {
    if (part === undefined) continue;
    const mkiMatch = /^(\d+):(\d+)$/.exec(part);
    if (mkiMatch && mki === undefined) {
      const length = Number(mkiMatch[2]);
      if (length < 1 || length > 128) return `MKI length ${length} is out of range 1-128`;
      mki = { value: Number(mkiMatch[1]), length };
    } else if (/^(2\^\d{1,2}|\d+)$/.test(part) && lifetime === undefined && mki === undefined) {
      lifetime = part;
    } else {
      return `key parameter part "${part}" is neither a lifetime nor an MKI`;
    }
  }
  return { keySalt, ...(lifetime !== undefined ? { lifetime } : {}), ...(mki ? { mki } : {}) };
}

export function formatCrypto(c: ParsedCrypto): CryptoAttribute {
  const keyParams = c.keys
    .map((k) => {
      let s = `inline:${k.keySalt}`;
      if (k.lifetime !== undefined) s += `|${k.lifetime}`;
      if (k.mki) s += `|${k.mki.value}:${k.mki.length}`;
      return s;
    })
    .join(';');
  return {
    tag: c.tag,
    suite: c.suite,
    keyParams,
    ...(c.sessionParams.length > 0 ? { sessionParams: c.sessionParams.join(' ') } : {}),
  };
}

/** Source of key material; tests inject a deterministic one. */
export type KeyGenerator = (length: number) => Uint8Array;

export const randomKeyGenerator: KeyGenerator = (length) => randomBytes(length);

/** A fresh a=crypto line: a single inline key of the suite's key+salt length, no lifetime, no MKI. */
export function createCrypto(tag: number, suite: SrtpSuiteName, generate: KeyGenerator = randomKeyGenerator): CryptoAttribute {
  const length = keySaltLength(suite);
  const bytes = generate(length);
  if (bytes.length !== length) throw new ValidationError(`key generator returned ${bytes.length} bytes, want ${length}`);
  return formatCrypto({ tag, suite, keys: [{ keySalt: Buffer.from(bytes).toString('base64') }], sessionParams: [] });
}

function fail(reason: string): CryptoParseResult {
  return { ok: false, reason };
}
