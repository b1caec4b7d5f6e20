/**
 * Inputs and outputs of SDP negotiation: what we can do (`LocalAudioCapabilities`), what was
 * agreed (`NegotiatedAudio`, consumed by the media engine) and why it could not be agreed
 * (`NegotiationFailure`, which the call layer turns into a 488 or a BYE).
 */
import type { AudioCodecName } from './codec-catalog';
import type { KeyGenerator, SrtpSuiteName } from './crypto-attr';
import type { DirectionFlags } from './direction';

/**
 * SRTP policy (RFC 4568 SDES):
 * - off: RTP/AVP without a=crypto; an RTP/SAVP offer is refused;
 * - optional: RTP/AVP with a=crypto (baresip's `srtp`), so plain peers still work;
 * - mandatory: RTP/SAVP with a=crypto; plain offers are refused.
 */
export type SrtpPolicy = 'off' | 'optional' | 'mandatory';

export interface LocalAudioCapabilities {
  /** Our RTP address for c= (IPv4 or IPv6 literal). */
  readonly address: string;
  /** Our RTP port. */
  readonly port: number;
  /** Our RTCP port when not muxed; written as a=rtcp (RFC 3605). Default: port + 1, unwritten. */
  readonly rtcpPort?: number;
  /** Codecs in order of preference (from settings). */
  readonly codecs: readonly AudioCodecName[];
  /** Offer and accept telephone-event (RFC 4733). Default true. */
  readonly telephoneEvent?: boolean;
  /** a=ptime we ask for, in ms. Default 20. */
  readonly ptime?: number;
  /** Offer a=rtcp-mux and accept it when offered (RFC 5761). Default true. */
  readonly rtcpMux?: boolean;
  readonly srtp: SrtpPolicy;
  /** Suites in order of preference. Default: every supported suite, SHA1_80 first. */
  readonly srtpSuites?: readonly SrtpSuiteName[];
  /**
   * Order of formats in our answers. RFC 3264 §6.1 RECOMMENDS the offer's relative order
   * ('offer', the default); 'local' lists them in our preference order instead.
   */
  readonly answerCodecOrder?: 'offer' | 'local';
  /** Key material for a=crypto; random bytes by default. */
  readonly generateKey?: KeyGenerator;
}

export interface NegotiatedCodec {
  readonly name: string;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly channels: number;
  readonly fmtp?: string;
}

export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

export type NegotiatedRtcp =
  | { readonly mux: true }
  | ({ readonly mux: false } & TransportAddress);

export interface NegotiatedSrtp {
  readonly suite: SrtpSuiteName;
  /** base64 key||salt we encrypt with (from our a=crypto). */
  readonly localKey: string;
  /** base64 key||salt the peer encrypts with (from its a=crypto). */
  readonly remoteKey: string;
}

/** What the media engine needs to run one audio stream. */
export interface NegotiatedAudio {
  /** Index of the audio m= line in the descriptions. */
  readonly mediaIndex: number;
  /** Where we send RTP (c= at media, else session level; m= port). */
  readonly remote: TransportAddress;
  readonly rtcp: NegotiatedRtcp;
  /** The codec we send, with the payload type the peer's SDP gave it. */
  readonly send: NegotiatedCodec;
  /** Payload types we accept, as numbered in our own SDP (RFC 3264 §5.1). */
  readonly receive: readonly NegotiatedCodec[];
  /** RFC 4733 events at the send codec's clock rate; null when either side lacks them. */
  readonly telephoneEvent: {
    readonly sendPayloadType: number;
    readonly receivePayloadType: number;
    readonly clockRate: number;
  } | null;
  /** Packet time to send with: the peer's a=ptime, else 20 ms. */
  readonly ptime: number;
  /** From our side: do we send, do we receive. */
  readonly direction: DirectionFlags;
  readonly srtp: NegotiatedSrtp | null;
}

export type NegotiationFailureReason =
  | 'no-audio' // no audio stream we can use, or ours was rejected
  | 'no-common-codec' // RFC 3264 §6.1: no format in common
  | 'srtp-required' // policy mandatory, plain RTP offered
  | 'srtp-refused' // policy off, RTP/SAVP offered
  | 'no-acceptable-crypto' // SRTP needed but no a=crypto line we support
  | 'answer-invalid'; // an answer that breaks RFC 3264 §6 / RFC 4568

/**
 * Negotiation could not agree. For an offer the caller answers `status` (488 Not Acceptable
 * Here, RFC 3261 §21.4.26) with a Warning of `warnCode` (RFC 3261 §20.43: 304 media type not
 * available, 305 incompatible media format, 399 miscellaneous); for an answer it ends the call.
 */
export interface NegotiationFailure {
  readonly ok: false;
  readonly status: 488;
  readonly warnCode: 304 | 305 | 399;
  readonly reason: NegotiationFailureReason;
  readonly message: string;
}

export function negotiationFailure(reason: NegotiationFailureReason, message: string): NegotiationFailure {
  const warnCode = reason === 'no-audio' ? 304 : reason === 'no-common-codec' ? 305 : 399;
  return { ok: false, status: 488, warnCode, reason, message };
}
