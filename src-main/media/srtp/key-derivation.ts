import type { SrtpSuite } from './suites';
import { AesCounterMode } from './aes-cm';

/** RFC 3711 §4.3.1 labels. */
export const KDF_LABEL = {
  RTP_ENCRYPTION: 0x00,
  RTP_AUTH: 0x01,
  RTP_SALT: 0x02,
  RTCP_ENCRYPTION: 0x03,
  RTCP_AUTH: 0x04,
  RTCP_SALT: 0x05,
} as const;

/**
 * The AES-CM PRF of RFC 3711 §4.3.3: key_id = label || r (r = index DIV kdr, 48 bits),
 * x = key_id XOR master_salt, output = AES-CM(master_key, x * 2^16) truncated to `length`.
 * A 12-byte GCM master salt (RFC 7714 §11) is used as if padded with two zero bytes.
 * Only r = 0 is supported (key derivation rate 0, the SDES default).
 */
export function aesCmPrf(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(masterSalt.subarray(0, 14), 0);
  // key_id is 56 bits right-aligned against the 112-bit salt: the label lands on byte 7.
  iv[7]! ^= label;
  return new AesCounterMode(masterKey).keystream(iv, length);
}

/** Session keys for one of SRTP or SRTCP. */
export interface SessionKeys {
  readonly encryptionKey: Buffer;
  /** Empty for AEAD suites. */
  readonly authKey: Buffer;
  readonly salt: Buffer;
}

export interface DerivedKeys {
  readonly rtp: SessionKeys;
  readonly rtcp: SessionKeys;
}

/** Derives the six session keys of RFC 3711 §4.3.2 for `suite` (index 0, kdr 0). */
export function deriveSessionKeys(suite: SrtpSuite, masterKey: Uint8Array, masterSalt: Uint8Array): DerivedKeys {
  const one = (enc: number, auth: number, salt: number): SessionKeys => ({
    encryptionKey: aesCmPrf(masterKey, masterSalt, enc, suite.keyLength),
    authKey: suite.authKeyLength > 0 ? aesCmPrf(masterKey, masterSalt, auth, suite.authKeyLength) : Buffer.alloc(0),
    salt: aesCmPrf(masterKey, masterSalt, salt, suite.saltLength),
  });
  return {
    rtp: one(KDF_LABEL.RTP_ENCRYPTION, KDF_LABEL.RTP_AUTH, KDF_LABEL.RTP_SALT),
    rtcp: one(KDF_LABEL.RTCP_ENCRYPTION, KDF_LABEL.RTCP_AUTH, KDF_LABEL.RTCP_SALT),
  };
}
