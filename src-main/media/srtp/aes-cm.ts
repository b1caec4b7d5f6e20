import { createCipheriv, type Cipher } from 'node:crypto';

/**
 * AES in counter mode as SRTP uses it (RFC 3711 §4.1.1): the 128-bit IV's low 16 bits count
 * blocks. The key schedule is built once: the keystream comes from one long-lived AES-ECB
 * cipher fed a buffer of counter blocks, instead of a new 'aes-128-ctr' cipher per packet
 * (measured about 1.6x faster for 160-byte payloads on Node 20; see bench/srtp.bench.ts).
 */
export class AesCounterMode {
  private readonly ecb: Cipher;
  private counters: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 32) throw new RangeError(`AES key must be 16 or 32 bytes, got ${key.length}`);
    this.ecb = createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null);
    this.ecb.setAutoPadding(false);
    this.counters = Buffer.alloc(2048);
  }

  /**
   * XORs `length` bytes of `buf` at `offset` with the keystream for `iv` (16 bytes, low 16
   * bits zero). Encryption and decryption are the same operation.
   */
  xor(buf: Uint8Array, offset: number, length: number, iv: Uint8Array): void {
    if (length <= 0) return;
    const blocks = (length + 15) >>> 4;
    const ks = this.keystreamBlocks(iv, blocks);
    for (let i = 0; i < length; i++) buf[offset + i]! ^= ks[i]!;
  }

  /** `length` bytes of keystream (RFC 3711 Appendix B.2 shows these for a test key). */
  keystream(iv: Uint8Array, length: number): Buffer {
    return this.keystreamBlocks(iv, (length + 15) >>> 4).subarray(0, length);
  }

  private keystreamBlocks(iv: Uint8Array, blocks: number): Buffer {
    const bytes = blocks << 4;
    if (bytes > this.counters.length) this.counters = Buffer.alloc(Math.max(bytes, this.counters.length * 2));
    const c = this.counters;
    const base = (iv[14]! << 8) | iv[15]!;
    for (let b = 0; b < blocks; b++) {
      const o = b << 4;
      for (let i = 0; i < 14; i++) c[o + i] = iv[i]!;
      // The 16-bit block counter is added to the IV's low bits, modulo 2^16.
      const n = (base + b) & 0xffff;
      c[o + 14] = n >>> 8;
      c[o + 15] = n & 0xff;
    }
    return this.ecb.update(c.subarray(0, bytes));
  }
}
