import { MediaError, ValidationError } from '../../base/errors';
import { CmHmacTransform } from './cm-hmac-transform';
import { GcmTransform } from './gcm-transform';
import { estimateRoc, packetIndex } from './index-estimation';
import { deriveSessionKeys, type DerivedKeys } from './key-derivation';
import { ReplayWindow } from './replay-window';
import { SRTP_SUITES, type SrtpKeyMaterial, type SrtpSuite, type SrtpSuiteName } from './suites';
import { SRTCP_E_FLAG, SRTCP_INDEX_MASK, type SrtpTransform } from './transform';

/** Why an unprotect failed: negative return values of `unprotectRtp`/`unprotectRtcp`. */
export const SRTP_FAILURE = {
  TOO_SHORT: -1,
  BAD_HEADER: -2,
  AUTH: -3,
  REPLAY: -4,
  TOO_OLD: -5,
} as const;
export type SrtpFailureCode = (typeof SRTP_FAILURE)[keyof typeof SRTP_FAILURE];

export function srtpFailureName(code: number): string {
  for (const [name, v] of Object.entries(SRTP_FAILURE)) if (v === code) return name.toLowerCase().replace('_', '-');
  return `unknown(${code})`;
}

export interface SrtpSessionOptions {
  readonly suite: SrtpSuiteName;
  /** Our master key and salt (what we put in our a=crypto): protects what we send. */
  readonly local: SrtpKeyMaterial;
  /** The peer's master key and salt: unprotects what we receive. */
  readonly remote: SrtpKeyMaterial;
  /** Replay window in packets (RFC 3711 §3.3.2 asks for at least 64); default 128. */
  readonly replayWindow?: number;
  /** MKI values (RFC 3711 §3.1), AES-CM suites only. */
  readonly localMki?: Uint8Array;
  readonly remoteMki?: Uint8Array;
  /** Most SSRCs tracked per direction (bounds memory under attack); default 32. */
  readonly maxStreams?: number;
}

/** Per-SSRC receive state: highest SEQ `sl`, its ROC, the replay list (§3.2.1 crypto context). */
interface InboundStream {
  sl: number;
  roc: number;
  readonly window: ReplayWindow;
}

interface OutboundStream {
  sl: number;
  roc: number;
  rtcpIndex: number;
}

export interface SrtpCounters {
  protectedRtp: number;
  unprotectedRtp: number;
  protectedRtcp: number;
  unprotectedRtcp: number;
  authFailures: number;
  replays: number;
}

/**
 * One call's SRTP/SRTCP crypto contexts (RFC 3711 §3.2): protects outgoing packets with the
 * local key and unprotects incoming ones with the remote key, tracking ROC, replay lists and
 * SRTCP indices per SSRC. Works in place on Buffers; protect needs `rtpOverhead` /
 * `rtcpOverhead` spare bytes after the packet. Key derivation rate is 0 (RFC 4568's default)
 * and key lifetime is not enforced (2^48 packets is beyond any call).
 */
export class SrtpSession {
  readonly suite: SrtpSuite;
  readonly counters: SrtpCounters = {
    protectedRtp: 0,
    unprotectedRtp: 0,
    protectedRtcp: 0,
    unprotectedRtcp: 0,
    authFailures: 0,
    replays: 0,
  };
  private readonly tx: SrtpTransform;
  private readonly rx: SrtpTransform;
  private readonly inRtp = new Map<number, InboundStream>();
  private readonly inRtcp = new Map<number, ReplayWindow>();
  private readonly out = new Map<number, OutboundStream>();
  private readonly windowSize: number;
  private readonly maxStreams: number;

  constructor(options: SrtpSessionOptions) {
    const suite = SRTP_SUITES[options.suite];
    checkMaterial(suite, options.local, 'local');
    checkMaterial(suite, options.remote, 'remote');
    this.suite = suite;
    this.windowSize = options.replayWindow ?? 128;
    this.maxStreams = options.maxStreams ?? 32;
    this.tx = SrtpSession.transform(suite, deriveSessionKeys(suite, options.local.key, options.local.salt), options.localMki);
    this.rx = SrtpSession.transform(suite, deriveSessionKeys(suite, options.remote.key, options.remote.salt), options.remoteMki);
  }

  /** Builds the suite's transform from already-derived session keys (test vectors use this). */
  static transform(suite: SrtpSuite, keys: DerivedKeys, mki?: Uint8Array): SrtpTransform {
    if (suite.kind === 'aead-gcm') {
      if (mki && mki.length > 0) throw new ValidationError('MKI is not supported with the AEAD suites');
      return new GcmTransform(suite, keys.rtp, keys.rtcp);
    }
    return new CmHmacTransform(suite, keys.rtp, keys.rtcp, mki);
  }

  get rtpOverhead(): number {
    return this.tx.rtpOverhead;
  }

  get rtcpOverhead(): number {
    return this.tx.rtcpOverhead;
  }

  /** Protects the RTP packet in `buf[0..length)` in place; returns the SRTP length. */
  protectRtp(buf: Buffer, length: number): number {
    const headerLength = rtpHeaderLength(buf, length);
    if (headerLength < 0) throw new MediaError('media.srtp', 'protectRtp: not an RTP packet');
    if (buf.length < length + this.tx.rtpOverhead) throw new RangeError('protectRtp: no room for the SRTP tag');
    const ssrc = buf.readUInt32BE(8);
    const seq = (buf[2]! << 8) | buf[3]!;
    let s = this.out.get(ssrc);
    if (!s) {
      s = { sl: seq, roc: 0, rtcpIndex: 0 };
      this.out.set(ssrc, s);
      this.trim(this.out);
    }
    // The sender's ROC counts wraps of its own SEQ (§3.3.1); a resend of an older packet
    // keeps that packet's ROC.
    const roc = estimateRoc(s.sl, s.roc, seq);
    if (packetIndex(roc, seq) > packetIndex(s.roc, s.sl)) {
      s.sl = seq;
      s.roc = roc;
    }
    this.counters.protectedRtp++;
    return this.tx.protectRtp(buf, length, headerLength, ssrc, roc, seq);
  }

  /**
   * Unprotects the SRTP packet in `buf[0..length)` in place. Returns the RTP length, or a
   * negative `SRTP_FAILURE` code (the packet must then be dropped).
   */
  unprotectRtp(buf: Buffer, length: number): number {
    if (length < 12 + this.rx.rtpOverhead) return SRTP_FAILURE.TOO_SHORT;
    const headerLength = rtpHeaderLength(buf, length - this.rx.rtpOverhead);
    if (headerLength < 0) return SRTP_FAILURE.BAD_HEADER;
    const ssrc = buf.readUInt32BE(8);
    const seq = (buf[2]! << 8) | buf[3]!;
    const known = this.inRtp.get(ssrc);
    // §3.3.1: the receiver starts with ROC 0 and s_l = the first SEQ it sees.
    const s: InboundStream = known ?? { sl: seq, roc: 0, window: new ReplayWindow(this.windowSize) };
    const roc = estimateRoc(s.sl, s.roc, seq);
    const index = packetIndex(roc, seq);
    const verdict = s.window.check(index);
    if (verdict !== 'new') {
      this.counters.replays++;
      return verdict === 'duplicate' ? SRTP_FAILURE.REPLAY : SRTP_FAILURE.TOO_OLD;
    }
    const plainLength = this.rx.unprotectRtp(buf, length, headerLength, ssrc, roc, seq);
    if (plainLength < 0) {
      this.counters.authFailures++;
      return SRTP_FAILURE.AUTH;
    }
    // Only an authenticated packet updates ROC, s_l and the replay list (§3.3.1, §3.3.2).
    if (index > s.window.highest) {
      s.sl = seq;
      s.roc = roc;
    }
    s.window.accept(index);
    if (!known) {
      this.inRtp.set(ssrc, s);
      this.trim(this.inRtp);
    }
    this.counters.unprotectedRtp++;
    return plainLength;
  }

  /** Protects the (compound) RTCP packet in `buf[0..length)` in place; returns the SRTCP length. */
  protectRtcp(buf: Buffer, length: number): number {
    if (length < 8) throw new MediaError('media.srtp', 'protectRtcp: RTCP packet shorter than 8 bytes');
    if (buf.length < length + this.tx.rtcpOverhead) throw new RangeError('protectRtcp: no room for the SRTCP trailer');
    const ssrc = buf.readUInt32BE(4);
    let s = this.out.get(ssrc);
    if (!s) {
      s = { sl: 0, roc: 0, rtcpIndex: 0 };
      this.out.set(ssrc, s);
      this.trim(this.out);
    }
    const index = s.rtcpIndex;
    s.rtcpIndex = (s.rtcpIndex + 1) & SRTCP_INDEX_MASK;
    this.counters.protectedRtcp++;
    return this.tx.protectRtcp(buf, length, ssrc, index);
  }

  /** Unprotects SRTCP in place; returns the RTCP length or a negative `SRTP_FAILURE` code. */
  unprotectRtcp(buf: Buffer, length: number): number {
    if (length < 8 + this.rx.rtcpOverhead) return SRTP_FAILURE.TOO_SHORT;
    const wordAt = this.rx.rtcpIndexWordOffset(length);
    const word = buf.readUInt32BE(wordAt);
    const encrypted = (word & SRTCP_E_FLAG) !== 0;
    const index = word & SRTCP_INDEX_MASK;
    const ssrc = buf.readUInt32BE(4);
    const known = this.inRtcp.get(ssrc);
    const window = known ?? new ReplayWindow(this.windowSize);
    const verdict = window.check(index);
    if (verdict !== 'new') {
      this.counters.replays++;
      return verdict === 'duplicate' ? SRTP_FAILURE.REPLAY : SRTP_FAILURE.TOO_OLD;
    }
    const plainLength = this.rx.unprotectRtcp(buf, length, ssrc, index, encrypted);
    if (plainLength < 0) {
      this.counters.authFailures++;
      return SRTP_FAILURE.AUTH;
    }
    window.accept(index);
    if (!known) {
      this.inRtcp.set(ssrc, window);
      this.trim(this.inRtcp);
    }
    this.counters.unprotectedRtcp++;
    return plainLength;
  }

  /** The ROC currently held for a received SSRC (diagnostics, tests). */
  receiveRoc(ssrc: number): number | undefined {
    return this.inRtp.get(ssrc)?.roc;
  }

  private trim(map: Map<number, unknown>): void {
    // Maps iterate in insertion order: drop the oldest stream.
    while (map.size > this.maxStreams) map.delete(map.keys().next().value!);
  }
}

/** RTP header length including CSRCs and the extension, or -1 when it does not fit `length`. */
function rtpHeaderLength(buf: Uint8Array, length: number): number {
  if (length < 12 || buf[0]! >> 6 !== 2) return -1;
  let n = 12 + 4 * (buf[0]! & 0x0f);
  if (buf[0]! & 0x10) {
    if (n + 4 > length) return -1;
    n += 4 + 4 * ((buf[n + 2]! << 8) | buf[n + 3]!);
  }
  return n <= length ? n : -1;
}

function checkMaterial(suite: SrtpSuite, m: SrtpKeyMaterial, which: string): void {
  if (m.key.length !== suite.keyLength || m.salt.length !== suite.saltLength) {
    throw new ValidationError(
      `${suite.name} needs a ${suite.keyLength}-byte key and ${suite.saltLength}-byte salt; ${which} has ${m.key.length} and ${m.salt.length}`,
    );
  }
}
