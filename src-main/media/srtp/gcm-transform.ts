import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { SessionKeys } from './key-derivation';
import type { SrtpSuite } from './suites';
import { SRTCP_E_FLAG, xor32, type SrtpTransform } from './transform';

const TAG = 16;

/**
 * AEAD_AES_128_GCM / AEAD_AES_256_GCM for SRTP and SRTCP (RFC 7714).
 *
 * SRTP (§8, §9): IV = salt XOR (00 00 | SSRC | ROC | SEQ); AAD = the RTP header with CSRCs
 * and extension; the 16-octet tag follows the ciphertext.
 * SRTCP (§9.2, §17): IV = salt XOR (00 00 | SSRC | 00 00 | 0 + 31-bit index); with E = 1,
 * AAD = first 8 octets || E|index and the packet is header | ciphertext | tag | E|index.
 * With E = 0 (accepted on receive only) the whole packet is AAD and only the tag is computed.
 * Node needs a new cipher object per packet because the IV changes; OpenSSL caches nothing
 * across them, so GCM costs more per packet than the AES-CM suites (see the bench).
 */
export class GcmTransform implements SrtpTransform {
  readonly rtpOverhead = TAG;
  readonly rtcpOverhead = TAG + 4;
  private readonly algorithm: 'aes-128-gcm' | 'aes-256-gcm';
  private readonly iv = Buffer.alloc(12);
  private readonly aad = Buffer.alloc(12);

  constructor(
    suite: SrtpSuite,
    private readonly rtpKeys: SessionKeys,
    private readonly rtcpKeys: SessionKeys,
  ) {
    this.algorithm = suite.keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  }

  protectRtp(buf: Buffer, length: number, headerLength: number, ssrc: number, roc: number, seq: number): number {
    this.rtpIv(ssrc, roc, seq);
    const c = createCipheriv(this.algorithm, this.rtpKeys.encryptionKey, this.iv, { authTagLength: TAG });
    c.setAAD(buf.subarray(0, headerLength));
    c.update(buf.subarray(headerLength, length)).copy(buf, headerLength);
    c.final();
    c.getAuthTag().copy(buf, length);
    return length + TAG;
  }

  unprotectRtp(buf: Buffer, length: number, headerLength: number, ssrc: number, roc: number, seq: number): number {
    const end = length - TAG;
    if (end < headerLength) return -1;
    this.rtpIv(ssrc, roc, seq);
    try {
      const d = createDecipheriv(this.algorithm, this.rtpKeys.encryptionKey, this.iv, { authTagLength: TAG });
      d.setAuthTag(buf.subarray(end, length));
      d.setAAD(buf.subarray(0, headerLength));
      const plain = d.update(buf.subarray(headerLength, end));
      d.final();
      plain.copy(buf, headerLength);
      return end;
    } catch {
      return -1;
    }
  }

  protectRtcp(buf: Buffer, length: number, ssrc: number, index: number): number {
    this.rtcpIv(ssrc, index);
    const word = (SRTCP_E_FLAG | index) >>> 0;
    buf.copy(this.aad, 0, 0, 8);
    this.aad.writeUInt32BE(word, 8);
    const c = createCipheriv(this.algorithm, this.rtcpKeys.encryptionKey, this.iv, { authTagLength: TAG });
    c.setAAD(this.aad);
    c.update(buf.subarray(8, length)).copy(buf, 8);
    c.final();
    c.getAuthTag().copy(buf, length);
    buf.writeUInt32BE(word, length + TAG);
    return length + TAG + 4;
  }

  rtcpIndexWordOffset(length: number): number {
    return length - 4;
  }

  unprotectRtcp(buf: Buffer, length: number, ssrc: number, index: number, encrypted: boolean): number {
    const wordAt = length - 4;
    const tagAt = wordAt - TAG;
    if (tagAt < 8) return -1;
    this.rtcpIv(ssrc, index);
    try {
      const d = createDecipheriv(this.algorithm, this.rtcpKeys.encryptionKey, this.iv, { authTagLength: TAG });
      d.setAuthTag(buf.subarray(tagAt, wordAt));
      if (encrypted) {
        buf.copy(this.aad, 0, 0, 8);
        buf.copy(this.aad, 8, wordAt, length);
        d.setAAD(this.aad);
        const plain = d.update(buf.subarray(8, tagAt));
        d.final();
        plain.copy(buf, 8);
      } else {
        d.setAAD(Buffer.concat([buf.subarray(0, tagAt), buf.subarray(wordAt, length)]));
        d.final();
      }
      return tagAt;
    } catch {
      return -1;
    }
  }

  private rtpIv(ssrc: number, roc: number, seq: number): void {
    const iv = this.iv;
    iv.set(this.rtpKeys.salt.subarray(0, 12));
    xor32(iv, 2, ssrc);
    xor32(iv, 6, roc);
    iv[10]! ^= seq >>> 8;
    iv[11]! ^= seq & 0xff;
  }

  private rtcpIv(ssrc: number, index: number): void {
    const iv = this.iv;
    iv.set(this.rtcpKeys.salt.subarray(0, 12));
    xor32(iv, 2, ssrc);
    xor32(iv, 8, index & 0x7fffffff);
  }
}
