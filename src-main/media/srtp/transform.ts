/**
 * The suite-specific half of SRTP: turning one packet, with its index already known, into
 * protected bytes in place and back. Index estimation, replay lists and per-SSRC state live in
 * `srtp-session.ts` and are shared by all suites.
 *
 * All methods work in place on `buf`: protect writes the tag (and E/index word) after
 * `length` and returns the new length (the caller guarantees room for the overhead);
 * unprotect returns the plaintext length, or -1 when authentication fails (and then leaves
 * `buf` unchanged).
 */
export interface SrtpTransform {
  /** Bytes added to an RTP packet. */
  readonly rtpOverhead: number;
  /** Bytes added to an RTCP packet (E/index word, MKI, tag). */
  readonly rtcpOverhead: number;
  protectRtp(buf: Buffer, length: number, headerLength: number, ssrc: number, roc: number, seq: number): number;
  unprotectRtp(buf: Buffer, length: number, headerLength: number, ssrc: number, roc: number, seq: number): number;
  protectRtcp(buf: Buffer, length: number, ssrc: number, index: number): number;
  /** Offset of the 32-bit E-flag/SRTCP-index word in a protected packet of `length` bytes. */
  rtcpIndexWordOffset(length: number): number;
  /** `encrypted` is the E flag read from the packet. */
  unprotectRtcp(buf: Buffer, length: number, ssrc: number, index: number, encrypted: boolean): number;
}

/** Constant-time comparison of `a[ao..ao+n)` with `b[bo..bo+n)`. */
export function equalConstantTime(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= a[ao + i]! ^ b[bo + i]!;
  return diff === 0;
}

/** The E flag (RFC 3711 §3.4): the top bit of the SRTCP index word. */
export const SRTCP_E_FLAG = 0x80000000;
export const SRTCP_INDEX_MASK = 0x7fffffff;

/** XORs the big-endian 32-bit `v` into `buf[at..at+4)` (IV construction). */
export function xor32(buf: Uint8Array, at: number, v: number): void {
  buf[at]! ^= (v >>> 24) & 0xff;
  buf[at + 1]! ^= (v >>> 16) & 0xff;
  buf[at + 2]! ^= (v >>> 8) & 0xff;
  buf[at + 3]! ^= v & 0xff;
}
