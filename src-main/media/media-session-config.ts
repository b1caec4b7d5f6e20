/**
 * What one call's audio stream is configured from. It mirrors, field for field, the SDP layer's
 * `NegotiatedAudio` (src-main/sdp/negotiation-types.ts) without importing it (media imports only
 * base): a `NegotiatedAudio` value is assignable to `MediaSessionConfig` as it is, so the calls
 * layer passes the negotiation result straight through (and again after each re-INVITE).
 *
 * Everything here is plain data (structured-clone safe), so the same value crosses into the
 * media worker unchanged.
 */
import { ValidationError } from '../base/errors';
import { isSrtpSuiteName, SRTP_SUITES, type SrtpKeyMaterial, type SrtpSuiteName } from './srtp/suites';

export interface MediaAddress {
  readonly address: string;
  readonly port: number;
}

export interface MediaCodecConfig {
  /** rtpmap encoding name, e.g. 'PCMU', 'G722', 'opus'. */
  readonly name: string;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string;
}

export type MediaRtcpConfig = { readonly mux: true } | ({ readonly mux: false } & MediaAddress);

export interface MediaSrtpConfig {
  /** RFC 4568 §6.2 / RFC 7714 suite name; anything else is a ValidationError. */
  readonly suite: string;
  /** base64 key||salt we protect with (our a=crypto). */
  readonly localKey: string;
  /** base64 key||salt the peer protects with (its a=crypto). */
  readonly remoteKey: string;
}

export interface MediaSessionConfig {
  /** Where RTP goes (SDP c= and m= port); symmetric RTP may move it to where packets come from. */
  readonly remote: MediaAddress;
  readonly rtcp: MediaRtcpConfig;
  /** The codec we send, with the payload type the peer gave it. */
  readonly send: MediaCodecConfig;
  /** Payload types we accept, as numbered in our own SDP (RFC 3264 §5.1). */
  readonly receive: readonly MediaCodecConfig[];
  /** RFC 4733 telephone-event payload types at the send codec's clock rate; null when not agreed. */
  readonly telephoneEvent: {
    readonly sendPayloadType: number;
    readonly receivePayloadType: number;
    readonly clockRate: number;
  } | null;
  /** Packet time to send with, ms (a multiple of 20). */
  readonly ptime: number;
  /** Our side's direction: hold is `sending: false` and/or `receiving: false`. */
  readonly direction: { readonly sending: boolean; readonly receiving: boolean };
  readonly srtp: MediaSrtpConfig | null;
}

/** Decodes one base64 key||salt for `suite` (RFC 4568 §6.1 inline key). */
export function decodeSrtpKey(suite: SrtpSuiteName, base64: string): SrtpKeyMaterial {
  const s = SRTP_SUITES[suite];
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== s.keyLength + s.saltLength) {
    throw new ValidationError(`${suite} needs ${s.keyLength + s.saltLength} bytes of key||salt, got ${raw.length}`);
  }
  return { key: raw.subarray(0, s.keyLength), salt: raw.subarray(s.keyLength) };
}

export function checkSuite(name: string): SrtpSuiteName {
  if (!isSrtpSuiteName(name)) throw new ValidationError(`unsupported SRTP suite ${name}`);
  return name;
}

/** Validates the parts a media session cannot run without; throws ValidationError. */
export function validateMediaConfig(config: MediaSessionConfig): void {
  if (!Number.isInteger(config.ptime) || config.ptime <= 0 || config.ptime % 20 !== 0 || config.ptime > 200) {
    throw new ValidationError(`ptime ${config.ptime} is not a multiple of 20 ms up to 200`);
  }
  const port = (p: number, what: string): void => {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new ValidationError(`bad ${what} port ${p}`);
  };
  port(config.remote.port, 'remote RTP');
  if (!config.rtcp.mux) port(config.rtcp.port, 'remote RTCP');
  const pt = (v: number, what: string): void => {
    if (!Number.isInteger(v) || v < 0 || v > 127) throw new ValidationError(`bad ${what} payload type ${v}`);
  };
  pt(config.send.payloadType, 'send');
  for (const c of config.receive) pt(c.payloadType, 'receive');
  if (config.telephoneEvent) {
    pt(config.telephoneEvent.sendPayloadType, 'telephone-event send');
    pt(config.telephoneEvent.receivePayloadType, 'telephone-event receive');
  }
  if (config.srtp) {
    const suite = checkSuite(config.srtp.suite);
    decodeSrtpKey(suite, config.srtp.localKey);
    decodeSrtpKey(suite, config.srtp.remoteKey);
  }
}
