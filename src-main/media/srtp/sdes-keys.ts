import { randomBytes } from 'node:crypto';
import { isSrtpSuiteName, SRTP_SUITES, type SrtpKeyMaterial, type SrtpSuiteName } from './suites';

/**
 * SDES key parameters (RFC 4568 §6.1, §9.2): `inline:<base64 key||salt>[|<lifetime>][|<MKI>:<length>]`,
 * and the value of an `a=crypto` attribute (`<tag> <suite> <key-params> [<session-params>]`).
 * Parsing returns values, never throws: a bad crypto line is skipped by the offer/answer code.
 */
export interface SdesKeyParam {
  readonly material: SrtpKeyMaterial;
  /** Master key lifetime in packets, when given (`2^20` or a decimal number). */
  readonly lifetime?: number;
  /** MKI value and its length in bytes, when given. */
  readonly mki?: { readonly value: number; readonly length: number };
}

export interface SdesCryptoAttribute {
  readonly tag: number;
  readonly suite: SrtpSuiteName;
  readonly keyParams: readonly SdesKeyParam[];
  readonly sessionParams: readonly string[];
}

export type SdesResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses one `inline:` key-param for `suite`. */
export function parseSdesKeyParam(text: string, suite: SrtpSuiteName): SdesResult<SdesKeyParam> {
  const s = SRTP_SUITES[suite];
  if (!text.startsWith('inline:')) return fail(`key-param must use the inline method: ${text}`);
  const [keySalt = '', ...rest] = text.slice('inline:'.length).split('|');
  if (!BASE64.test(keySalt)) return fail('key||salt is not base64');
  const raw = Buffer.from(keySalt, 'base64');
  if (raw.length !== s.keyLength + s.saltLength) {
    return fail(`${suite} needs ${s.keyLength + s.saltLength} bytes of key||salt, got ${raw.length}`);
  }
  let lifetime: number | undefined;
  let mki: { value: number; length: number } | undefined;
  for (const part of rest) {
    const m = /^(\d+):(\d+)$/.exec(part);
    if (m) {
      if (mki) return fail('two MKI fields');
      const value = Number(m[1]);
      const length = Number(m[2]);
      // RFC 4568 §9.2: MKI length 1..128 bytes; the value must fit in it.
      if (length < 1 || length > 128 || (length < 7 && value >= 2 ** (8 * length))) return fail(`bad MKI ${part}`);
      mki = { value, length };
      continue;
    }
    if (lifetime !== undefined || mki) return fail(`unexpected key-param field ${part}`);
    const p = /^2\^(\d+)$/.exec(part);
    if (p) lifetime = 2 ** Number(p[1]);
    else if (/^\d+$/.test(part)) lifetime = Number(part);
    else return fail(`bad lifetime ${part}`);
  }
  const value: SdesKeyParam = {
    material: { key: raw.subarray(0, s.keyLength), salt: raw.subarray(s.keyLength) },
    ...(lifetime !== undefined ? { lifetime } : {}),
    ...(mki ? { mki } : {}),
  };
  return { ok: true, value };
}

/** Formats a key-param: `inline:<base64>[|2^n][|mki:len]`. Powers of two print as `2^n`. */
export function formatSdesKeyParam(p: SdesKeyParam): string {
  let out = 'inline:' + Buffer.concat([p.material.key, p.material.salt]).toString('base64');
  if (p.lifetime !== undefined) {
    const log2 = Math.log2(p.lifetime);
    out += '|' + (Number.isInteger(log2) && log2 > 0 ? `2^${log2}` : String(p.lifetime));
  }
  if (p.mki) out += `|${p.mki.value}:${p.mki.length}`;
  return out;
}

/** Parses the value of `a=crypto:` (RFC 4568 §9.1), e.g. `1 AES_CM_128_HMAC_SHA1_80 inline:...`. */
export function parseCryptoAttribute(value: string): SdesResult<SdesCryptoAttribute> {
  const fields = value.trim().split(/\s+/);
  const [tagText = '', suite = '', keyParamsText = '', ...sessionParams] = fields;
  if (!/^\d{1,9}$/.test(tagText)) return fail(`bad crypto tag ${tagText}`);
  if (!isSrtpSuiteName(suite)) return fail(`unsupported crypto suite ${suite}`);
  const keyParams: SdesKeyParam[] = [];
  for (const kp of keyParamsText.split(';')) {
    const r = parseSdesKeyParam(kp, suite);
    if (!r.ok) return r;
    keyParams.push(r.value);
  }
  return { ok: true, value: { tag: Number(tagText), suite, keyParams, sessionParams } };
}

export function formatCryptoAttribute(a: SdesCryptoAttribute): string {
  return [String(a.tag), a.suite, a.keyParams.map(formatSdesKeyParam).join(';'), ...a.sessionParams].join(' ');
}

/** Fresh random master key and salt for `suite` (for our own a=crypto line). */
export function generateKeyMaterial(suite: SrtpSuiteName): SrtpKeyMaterial {
  const s = SRTP_SUITES[suite];
  const raw = randomBytes(s.keyLength + s.saltLength);
  return { key: raw.subarray(0, s.keyLength), salt: raw.subarray(s.keyLength) };
}

/** MKI bytes (big-endian `value` in `length` bytes) for `SrtpSessionOptions.localMki/remoteMki`. */
export function mkiBytes(mki: { readonly value: number; readonly length: number }): Uint8Array {
  const out = new Uint8Array(mki.length);
  let v = mki.value;
  for (let i = mki.length - 1; i >= 0 && v > 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
