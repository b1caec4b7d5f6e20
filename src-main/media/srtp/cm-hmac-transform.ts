import { createHmac } from 'node:crypto';
import { AesCounterMode } from './aes-cm';
import type { SessionKeys } from './key-derivation';
import type { SrtpSuite } from './suites';
import { equalConstantTime, SRTCP_E_FLAG, xor32, type SrtpTransform } from './transform';

/**
 * AES_CM_128_HMAC_SHA1_80 / _32 (RFC 3711 §4.1.1, §4.2.1; RFC 4568 §6.2).
 *
 * SRTP:  header | AES-CM(payload) | [MKI] | tag, tag = HMAC-SHA1(header | payload | ROC)
 * SRTCP: header | AES-CM(rest) | E|index | [MKI] | tag, tag = HMAC-SHA1(header .. E|index)
 */
export class CmHmacTransform implements SrtpTransform {
  readonly rtpOverhead: number;
  readonly rtcpOverhead: number;
  private readonly rtpCipher: AesCounterMode;
  private readonly rtcpCipher: AesCounterMode;
  private readonly iv = Buffer.alloc(16);
  private readonly word = Buffer.alloc(4);
  private readonly mki: Uint8Array;

  constructor(
    private readonly suite: SrtpSuite,
    private readonly rtpKeys: SessionKeys,
    private readonly rtcpKeys: SessionKeys,
    mki: Uint8Array = new Uint8Array(0),
  ) {
    this.mki = mki;
    this.rtpCipher = new AesCounterMode(rtpKeys.encryptionKey);
    this.rtcpCipher = new AesCounterMode(rtcpKeys.encryptionKey);
    this.rtpOverhead = mki.length + suite.rtpTagLength;
    this.rtcpOverhead = 4 + mki.length + suite.rtcpTagLength;
  }

  protectRtp(buf: Buffer, length: number, headerLength: number, ssrc: number, roc: number, seq: number): number {
    this.rtpIv(ssrc, roc, seq);
    this.rtpCipher.xor(buf, headerLength, length - headerLength, this.iv);
    let end = length;
    if (this.mki.length > 0) {
      buf.set(this.mki, end);
      end += this.mki.length;
    }
    const tag = this.rtpTag(buf, length, roc);
    tag.copy(buf, end, 0, this.suite.rtpTagLength);
    return end + this.suite.rtpTagLength;
  }

  unprotectRtp(buf: Buffer, length: number, headerLength: number, ssrc: number, roc: number, seq: number): number {
    const tagLength = this.suite.rtpTagLength;
    const authEnd = length - tagLength - this.mki.length;
    if (authEnd < headerLength) return -1;
    const tag = this.rtpTag(buf, authEnd, roc);
    if (!equalConstantTime(tag, 0, buf, length - tagLength, tagLength)) return -1;
    this.rtpIv(ssrc, roc, seq);
    this.rtpCipher.xor(buf, headerLength, authEnd - headerLength, this.iv);
    return authEnd;
  }

  protectRtcp(buf: Buffer, length: number, ssrc: number, index: number): number {
    this.rtcpIv(ssrc, index);
    this.rtcpCipher.xor(buf, 8, length - 8, this.iv);
    buf.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, length);
    let end = length + 4;
    if (this.mki.length > 0) {
      buf.set(this.mki, end);
      end += this.mki.length;
    }
    const tag = createHmac('sha1', this.rtcpKeys.authKey).update(buf.subarray(0, length + 4)).digest();
    tag.copy(buf, end, 0, this.suite.rtcpTagLength);
    return end + this.suite.rtcpTagLength;
  }

  rtcpIndexWordOffset(length: number): number {
    return length - this.suite.rtcpTagLength - this.mki.length - 4;
  }

  unprotectRtcp(buf: Buffer, length: number, ssrc: number, index: number, encrypted: boolean): number {
    const tagLength = this.suite.rtcpTagLength;
    const wordAt = this.rtcpIndexWordOffset(length);
    if (wordAt < 8) return -1;
    const tag = createHmac('sha1', this.rtcpKeys.authKey).update(buf.subarray(0, wordAt + 4)).digest();
    if (!equalConstantTime(tag, 0, buf, length - tagLength, tagLength)) return -1;
    if (encrypted) {
      this.rtcpIv(ssrc, index);
      this.rtcpCipher.xor(buf, 8, wordAt - 8, this.iv);
    }
    return wordAt;
  }

  private rtpTag(buf: Buffer, authEnd: number, roc: number): Buffer {
    // RFC 3711 §4.2: M = Authenticated Portion || ROC.
    this.word.writeUInt32BE(roc >>> 0, 0);
    return createHmac('sha1', this.rtpKeys.authKey).update(buf.subarray(0, authEnd)).update(this.word).digest();
  }

  /** IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), RFC 3711 §4.1.1. */
  private rtpIv(ssrc: number, roc: number, seq: number): void {
    const iv = this.iv;
    const s = this.rtpKeys.salt;
    for (let i = 0; i < 14; i++) iv[i] = s[i]!;
    iv[14] = 0;
    iv[15] = 0;
    xor32(iv, 4, ssrc);
    xor32(iv, 8, roc);
    iv[12]! ^= seq >>> 8;
    iv[13]! ^= seq & 0xff;
  }

  private rtcpIv(ssrc: number, index: number): void {
    const iv = this.iv;
    const s = this.rtcpKeys.salt;
    for (let i = 0; i < 14; i++) iv[i] = s[i]!;
    iv[14] = 0;
    iv[15] = 0;
    xor32(iv, 4, ssrc);
    xor32(iv, 10, index);
  }
}
