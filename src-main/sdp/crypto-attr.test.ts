import { describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors';
import { createCrypto, formatCrypto, keySaltLength, parseCrypto } from './crypto-attr';

const KEY30 = 'SXMM7nwCf8H3Op45l6UY3UE/nGk3epRDTPzG7m0a';
const KEY28 = 'uG1LgZsMGcDVzgNOC62sTMlNNiWYreBUhJkVHA==';
const KEY44 = 'gIsrdog/Jz2doWn29fxLE/UyzVFJwo7J1K8uekjQQqpmWgUSU2SrXQUtXwY=';

describe('a=crypto (RFC 4568)', () => {
  it('reads tag, suite and an inline key without lifetime or MKI', () => {
    const r = parseCrypto({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: `inline:${KEY30}` });
    expect(r).toEqual({ ok: true, crypto: { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keys: [{ keySalt: KEY30 }], sessionParams: [] } });
  });

  it('reads lifetime and MKI (RFC 4568 §9.1 key-info)', () => {
    const r = parseCrypto({ tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: `inline:${KEY30}|2^20|1:4` });
    expect(r.ok && r.crypto.keys[0]).toEqual({ keySalt: KEY30, lifetime: '2^20', mki: { value: 1, length: 4 } });
    const onlyMki = parseCrypto({ tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: `inline:${KEY30}|7:2` });
    expect(onlyMki.ok && onlyMki.crypto.keys[0]).toEqual({ keySalt: KEY30, mki: { value: 7, length: 2 } });
  });

  it('checks the key+salt length of each suite: 30, 30, 28 and 44 bytes', () => {
    expect([keySaltLength('AES_CM_128_HMAC_SHA1_80'), keySaltLength('AES_CM_128_HMAC_SHA1_32'), keySaltLength('AEAD_AES_128_GCM'), keySaltLength('AEAD_AES_256_GCM')]).toEqual([30, 30, 28, 44]);
    expect(parseCrypto({ tag: 1, suite: 'AEAD_AES_128_GCM', keyParams: `inline:${KEY28}` }).ok).toBe(true);
    expect(parseCrypto({ tag: 1, suite: 'AEAD_AES_256_GCM', keyParams: `inline:${KEY44}` }).ok).toBe(true);
    expect(parseCrypto({ tag: 1, suite: 'AEAD_AES_128_GCM', keyParams: `inline:${KEY30}` })).toEqual({ ok: false, reason: 'inline key is 30 bytes; AEAD_AES_128_GCM needs 28 (key + salt)' });
    expect(parseCrypto({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: `inline:${KEY44}` }).ok).toBe(false);
  });

  it('refuses suites we do not support', () => {
    expect(parseCrypto({ tag: 1, suite: 'AES_256_CM_HMAC_SHA1_80', keyParams: `inline:${KEY30}` })).toEqual({ ok: false, reason: 'crypto suite AES_256_CM_HMAC_SHA1_80 is not supported' });
    expect(parseCrypto({ tag: 1, suite: 'F8_128_HMAC_SHA1_80', keyParams: `inline:${KEY30}` }).ok).toBe(false);
  });

  it('refuses session parameters that change the transform and accepts WSH', () => {
    for (const p of ['UNENCRYPTED_SRTP', 'UNENCRYPTED_SRTCP', 'UNAUTHENTICATED_SRTP', 'KDR=1', 'FEC_ORDER=FEC_SRTP']) {
      const r = parseCrypto({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: `inline:${KEY30}`, sessionParams: p });
      expect(r).toEqual({ ok: false, reason: `session parameter ${p} is not supported` });
    }
    const wsh = parseCrypto({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: `inline:${KEY30}`, sessionParams: 'WSH=128' });
    expect(wsh.ok && wsh.crypto.sessionParams).toEqual(['WSH=128']);
  });

  it('refuses malformed key parameters', () => {
    const bad = (keyParams: string) => parseCrypto({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams }).ok;
    expect(bad(`uri:${KEY30}`)).toBe(false);
    expect(bad('inline:not*base64!')).toBe(false);
    expect(bad(`inline:${KEY30}|2^20|1:4|extra`)).toBe(false);
    expect(bad(`inline:${KEY30}|1:0`)).toBe(false); // MKI length 1-128
    expect(bad(`inline:${KEY30}|1:4|2^20`)).toBe(false); // lifetime after MKI
    expect(bad(`inline:${KEY30};inline:${KEY30}`)).toBe(false); // two keys without MKI
    expect(bad(`inline:${KEY30}|1:1;inline:${KEY30}|2:1`)).toBe(true);
  });

  it('formats what it parses', () => {
    const attr = { tag: 3, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: `inline:${KEY30}|2^31|5:2`, sessionParams: 'WSH=64' };
    const r = parseCrypto(attr);
    expect(r.ok && formatCrypto(r.crypto)).toEqual(attr);
  });

  it('creates a key of the suite length from the injected generator', () => {
    const attr = createCrypto(4, 'AEAD_AES_256_GCM', (n) => new Uint8Array(n).fill(7));
    expect(attr.tag).toBe(4);
    expect(Buffer.from(attr.keyParams.slice('inline:'.length), 'base64')).toEqual(Buffer.alloc(44, 7));
    expect(parseCrypto(attr).ok).toBe(true);
    expect(() => createCrypto(1, 'AES_CM_128_HMAC_SHA1_80', () => new Uint8Array(3))).toThrow(ValidationError);
  });

  it('creates different random keys by default', () => {
    const a = createCrypto(1, 'AES_CM_128_HMAC_SHA1_80');
    const b = createCrypto(1, 'AES_CM_128_HMAC_SHA1_80');
    expect(a.keyParams).not.toBe(b.keyParams);
    expect(parseCrypto(a).ok).toBe(true);
  });
});
