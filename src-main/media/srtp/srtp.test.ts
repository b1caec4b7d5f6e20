import { describe, expect, it } from 'vitest';
import { AesCounterMode } from './aes-cm';
import { aesCmPrf, deriveSessionKeys, KDF_LABEL, type DerivedKeys } from './key-derivation';
import { SRTP_FAILURE, SrtpSession } from './srtp-session';
import { SRTP_SUITES, type SrtpSuiteName } from './suites';
import { estimateRoc } from './index-estimation';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('AES-CM keystream (RFC 3711 Appendix B.2)', () => {
  const cm = new AesCounterMode(hex('2B7E151628AED2A6ABF7158809CF4F3C'));
  it('produces the first three keystream blocks for IV F0F1..FD0000', () => {
    const ks = cm.keystream(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'), 48);
    expect(toHex(ks)).toBe(
      'e03ead0935c95e80e166b16dd92b4eb4' + 'd23513162b02d0f72a43a2fe4a5f97ab' + '41e95b3bb0a2e8dd477901e4fca894c0',
    );
  });
  it('produces the blocks at counters FEFF, FF00 and FF01', () => {
    const ks = cm.keystream(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF'), 48);
    expect(toHex(ks)).toBe(
      'ec8cdf7398607cb0f2d21675ea9ea1e4' + '362b7c3c6773516318a077d7fc5073ae' + '6a2cc3787889374fbeb4c81b17ba6c44',
    );
  });
});

describe('key derivation (RFC 3711 Appendix B.3)', () => {
  const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
  it('derives the cipher key, cipher salt and auth key of the appendix', () => {
    const k = deriveSessionKeys(SRTP_SUITES.AES_CM_128_HMAC_SHA1_80, key, salt);
    expect(toHex(k.rtp.encryptionKey)).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(toHex(k.rtp.salt)).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(toHex(k.rtp.authKey)).toBe('cebe321f6ff7716b6fd4ab49af256a156d38baa4');
  });
  it('runs the PRF out to 94 octets of authentication key as the appendix does', () => {
    const long = aesCmPrf(key, salt, KDF_LABEL.RTP_AUTH, 94);
    expect(toHex(long.subarray(0, 48))).toBe(
      'cebe321f6ff7716b6fd4ab49af256a15' + '6d38baa48f0a0acf3c34e2359e6cdbce' + 'e049646c43d9327ad175578ef7227098',
    );
  });
  it('derives distinct SRTCP keys', () => {
    const k = deriveSessionKeys(SRTP_SUITES.AES_CM_128_HMAC_SHA1_80, key, salt);
    expect(toHex(k.rtcp.encryptionKey)).toBe('4c1aa45a81f73d61c800bbb00fbb1eaa');
    expect(toHex(k.rtcp.salt)).toBe('9581c7ad87b3e530bf3e4454a8b3');
  });
});

describe('AEAD AES-GCM (RFC 7714 §16, §17 test vectors)', () => {
  const salt = hex('517569642070726f2071756f');
  const keys = (key: Buffer): DerivedKeys => {
    const k = { encryptionKey: key, authKey: Buffer.alloc(0), salt };
    return { rtp: k, rtcp: k };
  };
  const k128 = hex('000102030405060708090a0b0c0d0e0f');
  const k256 = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const rtp = '8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573';
  const rtcp = '81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';
  const cases: [SrtpSuiteName, Buffer, string, string][] = [
    [
      'AEAD_AES_128_GCM',
      k128,
      '8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce',
      '81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4',
    ],
    [
      'AEAD_AES_256_GCM',
      k256,
      '8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13',
      '81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4',
    ],
  ];
  for (const [suite, key, srtp, srtcp] of cases) {
    it(`${suite}: encrypts and tags the §16 RTP packet (SSRC 5501a0b2, SEQ f17b, ROC 0)`, () => {
      const t = SrtpSession.transform(SRTP_SUITES[suite], keys(key));
      const buf = Buffer.alloc(200);
      const n = hex(rtp).copy(buf);
      const out = t.protectRtp(buf, n, 12, 0x5501a0b2, 0, 0xf17b);
      expect(toHex(buf.subarray(0, out))).toBe(srtp);
      expect(t.unprotectRtp(buf, out, 12, 0x5501a0b2, 0, 0xf17b)).toBe(n);
      expect(toHex(buf.subarray(0, n))).toBe(rtp);
    });
    it(`${suite}: encrypts and tags the §17 RTCP packet with SRTCP index 5d4 and E=1`, () => {
      const t = SrtpSession.transform(SRTP_SUITES[suite], keys(key));
      const buf = Buffer.alloc(200);
      const n = hex(rtcp).copy(buf);
      const out = t.protectRtcp(buf, n, 0x4d617273, 0x5d4);
      expect(toHex(buf.subarray(0, out))).toBe(srtcp);
      expect(t.unprotectRtcp(buf, out, 0x4d617273, 0x5d4, true)).toBe(n);
      expect(toHex(buf.subarray(0, n))).toBe(rtcp);
    });
  }
  it('AEAD_AES_128_GCM: verifies the §17.3 tagged-but-unencrypted SRTCP packet (E=0)', () => {
    const t = SrtpSession.transform(SRTP_SUITES.AEAD_AES_128_GCM, keys(k128));
    const wire = hex(rtcp + '841dd9683dd78ec92ae58790125f62b3000005d4');
    expect(t.unprotectRtcp(wire, wire.length, 0x4d617273, 0x5d4, false)).toBe(hex(rtcp).length);
    wire[10]! ^= 1;
    expect(t.unprotectRtcp(wire, wire.length, 0x4d617273, 0x5d4, false)).toBe(-1);
  });
});

const SUITES: SrtpSuiteName[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_128_GCM', 'AEAD_AES_256_GCM'];

function pair(suite: SrtpSuiteName): { alice: SrtpSession; bob: SrtpSession } {
  const s = SRTP_SUITES[suite];
  const a = { key: Buffer.alloc(s.keyLength, 0xa1), salt: Buffer.alloc(s.saltLength, 0xa2) };
  const b = { key: Buffer.alloc(s.keyLength, 0xb1), salt: Buffer.alloc(s.saltLength, 0xb2) };
  return { alice: new SrtpSession({ suite, local: a, remote: b }), bob: new SrtpSession({ suite, local: b, remote: a }) };
}

function rtpPacket(seq: number, ssrc = 0xcafebabe, payload = 160): { buf: Buffer; length: number } {
  const buf = Buffer.alloc(12 + payload + 64);
  buf[0] = 0x80;
  buf.writeUInt16BE(seq, 2);
  buf.writeUInt32BE(seq * 160, 4);
  buf.writeUInt32BE(ssrc, 8);
  for (let i = 0; i < payload; i++) buf[12 + i] = (i * 7 + seq) & 0xff;
  return { buf, length: 12 + payload };
}

describe('SrtpSession', () => {
  for (const suite of SUITES) {
    describe(suite, () => {
      it('round-trips RTP: the payload is hidden on the wire and restored by the peer', () => {
        const { alice, bob } = pair(suite);
        const { buf, length } = rtpPacket(1000);
        const plain = Buffer.from(buf.subarray(0, length));
        const n = alice.protectRtp(buf, length);
        expect(n).toBe(length + SRTP_SUITES[suite].rtpTagLength);
        expect(buf.subarray(0, 12).equals(plain.subarray(0, 12))).toBe(true);
        expect(buf.subarray(12, length).equals(plain.subarray(12))).toBe(false);
        expect(bob.unprotectRtp(buf, n)).toBe(length);
        expect(buf.subarray(0, length).equals(plain)).toBe(true);
      });

      it('rejects a packet with one flipped bit as an authentication failure', () => {
        const { alice, bob } = pair(suite);
        for (const at of [3, 20, -1]) {
          const { buf, length } = rtpPacket(7);
          const n = alice.protectRtp(buf, length);
          buf[at < 0 ? n + at : at]! ^= 0x01;
          expect(bob.unprotectRtp(buf, n)).toBe(SRTP_FAILURE.AUTH);
        }
        expect(bob.counters.authFailures).toBe(3);
      });

      it('rejects a replayed packet and one older than the 128-packet window', () => {
        const { alice, bob } = pair(suite);
        const wire: Buffer[] = [];
        for (let seq = 0; seq < 200; seq++) {
          const { buf, length } = rtpPacket(seq);
          wire.push(Buffer.from(buf.subarray(0, alice.protectRtp(buf, length))));
        }
        const first = Buffer.from(wire[0]!);
        for (const w of wire.slice(0, 150)) expect(bob.unprotectRtp(Buffer.from(w), w.length)).toBe(172);
        expect(bob.unprotectRtp(Buffer.from(wire[149]!), wire[149]!.length)).toBe(SRTP_FAILURE.REPLAY);
        expect(bob.unprotectRtp(first, first.length)).toBe(SRTP_FAILURE.TOO_OLD);
        // Out of order but inside the window is fine, once.
        expect(bob.unprotectRtp(Buffer.from(wire[160]!), wire[160]!.length)).toBe(172);
        expect(bob.unprotectRtp(Buffer.from(wire[155]!), wire[155]!.length)).toBe(172);
        expect(bob.unprotectRtp(Buffer.from(wire[155]!), wire[155]!.length)).toBe(SRTP_FAILURE.REPLAY);
      });

      it('carries the ROC across the SEQ wrap 65535 -> 0 and accepts a late packet from before the wrap', () => {
        const { alice, bob } = pair(suite);
        const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3];
        const wire = seqs.map((seq) => {
          const { buf, length } = rtpPacket(seq);
          return Buffer.from(buf.subarray(0, alice.protectRtp(buf, length)));
        });
        // 65534 arrives late, after 0 and 1.
        const order = [0, 1, 2, 3, 5, 6, 7, 4, 8, 9];
        for (const i of order) {
          const w = Buffer.from(wire[i]!);
          expect(bob.unprotectRtp(w, w.length), `seq ${seqs[i]}`).toBe(172);
          expect(w.readUInt16BE(2)).toBe(seqs[i]);
          expect(w[12]).toBe((seqs[i]! & 0xff) & 0xff);
        }
        expect(bob.receiveRoc(0xcafebabe)).toBe(1);
      });

      it('round-trips SRTCP with an incrementing index and the E flag set, and rejects a replay', () => {
        const { alice, bob } = pair(suite);
        for (let i = 0; i < 3; i++) {
          const buf = Buffer.alloc(128);
          buf.set(hex('80c90001 11223344'));
          const n = alice.protectRtcp(buf, 8);
          const wordAt = SRTP_SUITES[suite].kind === 'aead-gcm' ? n - 4 : n - 4 - SRTP_SUITES[suite].rtcpTagLength;
          expect(buf.readUInt32BE(wordAt)).toBe((0x80000000 | i) >>> 0);
          const copy = Buffer.from(buf.subarray(0, n));
          expect(bob.unprotectRtcp(buf, n)).toBe(8);
          expect(toHex(buf.subarray(0, 8))).toBe('80c9000111223344');
          expect(bob.unprotectRtcp(copy, n)).toBe(SRTP_FAILURE.REPLAY);
        }
      });
    });
  }

  it('uses a 32-bit SRTP tag but an 80-bit SRTCP tag for AES_CM_128_HMAC_SHA1_32 (RFC 4568 §6.2.2)', () => {
    const { alice } = pair('AES_CM_128_HMAC_SHA1_32');
    expect(alice.rtpOverhead).toBe(4);
    expect(alice.rtcpOverhead).toBe(14);
  });

  it('appends and checks an MKI between the payload and the tag', () => {
    const s = SRTP_SUITES.AES_CM_128_HMAC_SHA1_80;
    const a = { key: Buffer.alloc(16, 1), salt: Buffer.alloc(14, 2) };
    const mki = Uint8Array.of(0, 0, 0, 1);
    const alice = new SrtpSession({ suite: s.name, local: a, remote: a, localMki: mki, remoteMki: mki });
    const { buf, length } = rtpPacket(5);
    const n = alice.protectRtp(buf, length);
    expect(n).toBe(length + 4 + 10);
    expect(toHex(buf.subarray(length, length + 4))).toBe('00000001');
    expect(alice.unprotectRtp(buf, n)).toBe(length);
  });

  it('refuses key material of the wrong length with a ValidationError', () => {
    expect(
      () => new SrtpSession({ suite: 'AEAD_AES_128_GCM', local: { key: Buffer.alloc(16), salt: Buffer.alloc(14) }, remote: { key: Buffer.alloc(16), salt: Buffer.alloc(12) } }),
    ).toThrow(/12-byte salt/);
  });

  it('reports truncated and non-RTP input as failure codes, never throwing', () => {
    const { bob } = pair('AES_CM_128_HMAC_SHA1_80');
    expect(bob.unprotectRtp(Buffer.alloc(10), 10)).toBe(SRTP_FAILURE.TOO_SHORT);
    const junk = Buffer.alloc(40, 0xff);
    expect(bob.unprotectRtp(junk, 40)).toBe(SRTP_FAILURE.BAD_HEADER);
    expect(bob.unprotectRtcp(Buffer.alloc(12), 12)).toBe(SRTP_FAILURE.TOO_SHORT);
  });
});

describe('ROC estimation (RFC 3711 Appendix A)', () => {
  it('guesses the next ROC after a wrap and the previous ROC for a late packet', () => {
    expect(estimateRoc(65535, 0, 0)).toBe(1);
    expect(estimateRoc(2, 1, 65534)).toBe(0);
    expect(estimateRoc(100, 0, 40000)).toBe(0);
    expect(estimateRoc(40000, 3, 100)).toBe(4);
    expect(estimateRoc(40000, 3, 39000)).toBe(3);
  });
});
