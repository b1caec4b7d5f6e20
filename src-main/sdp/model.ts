/**
 * Parley's own typed session description (RFC 4566 / RFC 8866). Everything above the codec
 * works on these values; only `sdp-codec.ts` knows the wire text and sdp-transform.
 *
 * Values are immutable: hold, resume and negotiation build new descriptions. Attributes the
 * model does not type (ICE candidates, a=ssrc, a=record, a=label, a=setup, …) are kept verbatim
 * in `attributes`, in their original order, so re-serialisation loses nothing.
 */

/** RFC 3264 §5.1 / RFC 4566 §6 media direction attributes. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** The m= media type (RFC 4566 §5.14); the open end keeps unknown kinds. */
export type MediaKind = 'audio' | 'video' | 'text' | 'application' | 'image' | 'message' | (string & {});

/** The m= transport protocol; the open end keeps unknown ones (TCP/MSRP, udptl, …). */
export type MediaProtocol =
  | 'RTP/AVP' // RFC 3551
  | 'RTP/SAVP' // RFC 3711
  | 'RTP/AVPF' // RFC 4585
  | 'RTP/SAVPF' // RFC 5124
  | 'UDP/TLS/RTP/SAVP' // RFC 5764
  | 'UDP/TLS/RTP/SAVPF' // RFC 5764
  | (string & {});

export type AddressType = 'IP4' | 'IP6';

/** o= (RFC 4566 §5.2). `sessionVersion` is a bigint: some peers use 64-bit NTP values. */
export interface Origin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: bigint;
  readonly addressType: AddressType;
  readonly address: string;
}

/** c= (RFC 4566 §5.7); `address` keeps a multicast /ttl suffix if present. */
export interface Connection {
  readonly addressType: AddressType;
  readonly address: string;
}

/** b= (RFC 4566 §5.8, RFC 3556 RR/RS, RFC 3890 TIAS). */
export interface Bandwidth {
  readonly type: 'AS' | 'CT' | 'RR' | 'RS' | 'TIAS';
  readonly value: number;
}

/** t= (RFC 4566 §5.9); SIP uses `0 0`. */
export interface Timing {
  readonly start: number;
  readonly stop: number;
}

/** a=rtpmap value (RFC 4566 §6). */
export interface RtpMap {
  readonly encodingName: string;
  readonly clockRate: number;
  /** Encoding parameters: the channel count for audio. */
  readonly channels?: number;
}

/** a=rtcp-fb (RFC 4585 §4.2); `trr-int` is type 'trr-int' with the interval as subtype. */
export interface RtcpFeedback {
  readonly type: string;
  readonly subtype?: string;
}

/** Everything said about one RTP payload type in one m= section. */
export interface PayloadFormat {
  readonly payloadType: number;
  readonly rtpmap?: RtpMap;
  /** a=fmtp value after the payload type, verbatim (e.g. `0-16`, `useinbandfec=1`). */
  readonly fmtp?: string;
  readonly rtcpFeedback: readonly RtcpFeedback[];
}

/** a=rtcp (RFC 3605): the RTCP port and optionally its own address. */
export interface RtcpAttribute {
  readonly port: number;
  readonly connection?: Connection;
}

/**
 * a=crypto (RFC 4568 §9.1) as three strings; `crypto-attr.ts` parses and checks the key
 * parameters. `keyParams` is e.g. `inline:<base64>|2^20|1:4`, several joined by ';'.
 */
export interface CryptoAttribute {
  readonly tag: number;
  readonly suite: string;
  readonly keyParams: string;
  /** Session parameters (UNENCRYPTED_SRTP, KDR=…), space separated, verbatim. */
  readonly sessionParams?: string;
}

/** Any a= line the model does not type: `a=name:value` or the property `a=name`. */
export interface Attribute {
  readonly name: string;
  readonly value?: string;
}

/** One m= section (RFC 4566 §5.14). */
export interface MediaDescription {
  readonly kind: MediaKind;
  /** 0 means the stream is rejected or disabled (RFC 3264 §5.1, §6). */
  readonly port: number;
  /** The `/<number of ports>` suffix of m= when present. */
  readonly portCount?: number;
  readonly protocol: MediaProtocol;
  /** The m= format list verbatim: payload type numbers for RTP, tokens otherwise. */
  readonly formats: readonly string[];
  readonly information?: string;
  readonly connection?: Connection;
  readonly bandwidth: readonly Bandwidth[];
  /**
   * rtpmap/fmtp/rtcp-fb grouped by payload type: one entry per payload type that has any of
   * them, m= order first, then any stray ones.
   */
  readonly payloads: readonly PayloadFormat[];
  /** a=rtcp-fb:* lines (apply to every payload type). */
  readonly rtcpFeedbackAll: readonly RtcpFeedback[];
  readonly ptime?: number;
  readonly maxptime?: number;
  /** Absent means "inherit the session-level direction, else sendrecv" (RFC 3264 §5.1). */
  readonly direction?: Direction;
  readonly rtcp?: RtcpAttribute;
  /** a=rtcp-mux (RFC 5761). */
  readonly rtcpMux: boolean;
  readonly crypto: readonly CryptoAttribute[];
  /** Untyped attributes in original order (ICE candidates, a=ssrc, a=record, …). */
  readonly attributes: readonly Attribute[];
}

/** A whole session description. */
export interface SessionDescription {
  readonly origin: Origin;
  /** s= (RFC 4566 §5.3); '-' when there is no name. */
  readonly sessionName: string;
  readonly information?: string;
  readonly uri?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly connection?: Connection;
  readonly bandwidth: readonly Bandwidth[];
  readonly timing: Timing;
  readonly repeat?: string;
  readonly timeZones?: string;
  /** Session-level direction (RFC 4566 §6), the default for every m= section. */
  readonly direction?: Direction;
  readonly attributes: readonly Attribute[];
  readonly media: readonly MediaDescription[];
}

/** The numeric payload types listed on an RTP m= line, in order. */
export function payloadTypesOf(media: MediaDescription): number[] {
  const out: number[] = [];
  for (const f of media.formats) {
    if (/^\d+$/.test(f)) out.push(Number(f));
  }
  return out;
}

/** The attributes of one payload type, if any line mentions it. */
export function findPayload(media: MediaDescription, payloadType: number): PayloadFormat | undefined {
  return media.payloads.find((p) => p.payloadType === payloadType);
}

/** Whether the m= protocol carries RTP (RFC 3551, 3711, 4585, 5124, 5764 profiles). */
export function isRtpProtocol(protocol: MediaProtocol): boolean {
  return /(^|\/)RTP\/S?AVPF?$/.test(protocol);
}

/** c= that applies to a media section: media level first, then session level (RFC 4566 §5.7). */
export function effectiveConnection(
  session: SessionDescription,
  media: MediaDescription,
): Connection | undefined {
  return media.connection ?? session.connection;
}

/** IP6 when the address is an IPv6 literal, else IP4. */
export function addressTypeOf(address: string): AddressType {
  return address.includes(':') ? 'IP6' : 'IP4';
}
