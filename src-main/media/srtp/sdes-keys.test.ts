import { describe, expect, it } from 'vitest';
import {
  formatCryptoAttribute,
  formatSdesKeyParam,
  generateKeyMaterial,
  mkiBytes,
  parseCryptoAttribute,
  parseSdesKeyParam,
} from './sdes-keys';

describe('SDES key-params (RFC 4568 §9.2)', () => {
  it('parses the RFC example inline:...|2^20|1:32 into a 16-byte key, 14-byte salt, lifetime and MKI', () => {
    const r = parseSdesKeyParam('inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32', 'AES_CM_128_HMAC_SHA1_80');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.material.key.length).toBe(16);
    expect(r.value.material.salt.length).toBe(14);
    expect(Buffer.from(r.value.material.key).toString('hex')).toBe('3d2d6e40255e7821426a75667239293f');
    expect(r.value.lifetime).toBe(2 ** 20);
    expect(r.value.mki).toEqual({ value: 1, length: 32 });
    expect(formatSdesKeyParam(r.value)).toBe('inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32');
  });

  it('accepts a bare inline key and an MKI without a lifetime', () => {
    const r = parseSdesKeyParam('inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4', 'AES_CM_128_HMAC_SHA1_32');
    expect(r.ok && r.value.mki).toEqual({ value: 1, length: 4 });
    expect(r.ok && r.value.lifetime).toBe(undefined);
  });

  it('needs 28 bytes (16 + 12) for AEAD_AES_128_GCM and 44 for AEAD_AES_256_GCM', () => {
    for (const suite of ['AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'] as const) {
      const m = generateKeyMaterial(suite);
      const text = formatSdesKeyParam({ material: m });
      const r = parseSdesKeyParam(text, suite);
      expect(r.ok && Buffer.from(r.value.material.key).equals(Buffer.from(m.key))).toBe(true);
      expect(r.ok && r.value.material.salt.length).toBe(12);
    }
    expect(parseSdesKeyParam('inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR', 'AEAD_AES_128_GCM').ok).toBe(false);
  });

  it.each([
    ['uri:https://example.com/key', 'method'],
    ['inline:not*base64', 'base64'],
    ['inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^x', 'lifetime'],
    ['inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0', 'MKI'],
    ['inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|300:1', 'MKI'],
    ['inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|2^20', 'unexpected'],
  ])('rejects %s with an error naming the %s', (text, what) => {
    const r = parseSdesKeyParam(text, 'AES_CM_128_HMAC_SHA1_80');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(new RegExp(what, 'i'));
  });

  it('parses and formats a whole a=crypto value with session params', () => {
    const text = '1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32 UNENCRYPTED_SRTCP';
    const r = parseCryptoAttribute(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.tag).toBe(1);
    expect(r.value.suite).toBe('AES_CM_128_HMAC_SHA1_80');
    expect(r.value.sessionParams).toEqual(['UNENCRYPTED_SRTCP']);
    expect(formatCryptoAttribute(r.value)).toBe(text);
    expect(parseCryptoAttribute('1 F8_128_HMAC_SHA1_80 inline:x').ok).toBe(false);
  });

  it('writes MKI values big-endian in their stated length', () => {
    expect(Buffer.from(mkiBytes({ value: 258, length: 4 })).toString('hex')).toBe('00000102');
  });
});
