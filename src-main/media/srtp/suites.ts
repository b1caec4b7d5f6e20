/**
 * SRTP crypto suites by their RFC 4568 §6.2 / RFC 7714 §14.2 names, with the lengths each one
 * fixes. AES_CM_128_HMAC_SHA1_32 shortens only the SRTP tag: SRTCP keeps the 80-bit tag
 * (RFC 4568 §6.2.2, RFC 3711 §5.2).
 */
export type SrtpSuiteName =
  | 'AES_CM_128_HMAC_SHA1_80'
  | 'AES_CM_128_HMAC_SHA1_32'
  | 'AEAD_AES_128_GCM'
  | 'AEAD_AES_256_GCM';

export interface SrtpSuite {
  readonly name: SrtpSuiteName;
  /** AES-CM + HMAC-SHA1 (RFC 3711) or AES-GCM AEAD (RFC 7714). */
  readonly kind: 'aes-cm-hmac' | 'aead-gcm';
  /** Master and session key length in bytes. */
  readonly keyLength: 16 | 32;
  /** Master and session salt length in bytes: 14 for AES-CM (RFC 3711), 12 for GCM (RFC 7714 §11). */
  readonly saltLength: 14 | 12;
  /** Session authentication key length in bytes (HMAC-SHA1: 160 bits; GCM: none). */
  readonly authKeyLength: number;
  /** Bytes of tag appended to an SRTP packet. */
  readonly rtpTagLength: number;
  /** Bytes of tag appended to an SRTCP packet. */
  readonly rtcpTagLength: number;
}

export const SRTP_SUITES: Readonly<Record<SrtpSuiteName, SrtpSuite>> = {
  AES_CM_128_HMAC_SHA1_80: {
    name: 'AES_CM_128_HMAC_SHA1_80',
    kind: 'aes-cm-hmac',
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 10,
    rtcpTagLength: 10,
  },
  AES_CM_128_HMAC_SHA1_32: {
    name: 'AES_CM_128_HMAC_SHA1_32',
    kind: 'aes-cm-hmac',
    keyLength: 16,
    saltLength: 14,
    authKeyLength: 20,
    rtpTagLength: 4,
    rtcpTagLength: 10,
  },
  // RFC 7714 §14.2: 16-octet tag for both SRTP and SRTCP.
  AEAD_AES_128_GCM: {
    name: 'AEAD_AES_128_GCM',
    kind: 'aead-gcm',
    keyLength: 16,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
  AEAD_AES_256_GCM: {
    name: 'AEAD_AES_256_GCM',
    kind: 'aead-gcm',
    keyLength: 32,
    saltLength: 12,
    authKeyLength: 0,
    rtpTagLength: 16,
    rtcpTagLength: 16,
  },
};

/** Preference order when offering (strongest first, as pjmedia and baresip offer). */
export const SRTP_SUITE_PREFERENCE: readonly SrtpSuiteName[] = [
  'AEAD_AES_256_GCM',
  'AEAD_AES_128_GCM',
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
];

export function isSrtpSuiteName(name: string): name is SrtpSuiteName {
  return Object.prototype.hasOwnProperty.call(SRTP_SUITES, name);
}

/** The master key and master salt for one direction. */
export interface SrtpKeyMaterial {
  readonly key: Uint8Array;
  readonly salt: Uint8Array;
}
