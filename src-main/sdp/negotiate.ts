/**
 * RFC 3264 offer/answer for one audio stream: build an offer from our capabilities, answer a
 * remote offer, read the remote answer to our offer. Every outcome is a value: a description
 * plus `NegotiatedAudio`, or a `NegotiationFailure` the call layer maps to 488 / BYE.
 */
import type { ResolvedFormat } from './codec-catalog';
import {
  AUDIO_CODECS,
  DYNAMIC_PT_FIRST,
  TELEPHONE_EVENT,
  TELEPHONE_EVENT_FMTP,
  catalogEntryFor,
  isTelephoneEvent,
  resolveFormat,
  sameName,
} from './codec-catalog';
import type { Direction, MediaDescription, Origin, PayloadFormat, SessionDescription } from './model';
import { addressTypeOf, effectiveConnection, payloadTypesOf } from './model';
import type { DirectionFlags } from './direction';
import { answerDirection, declaredDirection, directionFlags, effectiveDirection } from './direction';
import type {
  LocalAudioCapabilities,
  NegotiatedAudio,
  NegotiatedCodec,
  NegotiatedRtcp,
  NegotiatedSrtp,
  NegotiationFailure,
} from './negotiation-types';
import { negotiationFailure } from './negotiation-types';
import { answerCrypto, offerCrypto, readAnswerCrypto } from './srtp-negotiation';

const DEFAULT_PTIME = 20;

export interface DescriptionParams {
  readonly origin: Origin;
  /** s= text; '-' by default. */
  readonly sessionName?: string;
  /** The direction we want for audio (sendonly while we hold). Default sendrecv. */
  readonly direction?: Direction;
  /**
   * Our previous description in this session: a re-offer keeps its m= lines in order (RFC 3264
   * §8: "the offer MUST contain at least as many m= lines") and reuses its SRTP keys.
   */
  readonly previous?: SessionDescription;
}

export type AnswerOutcome =
  | { readonly ok: true; readonly answer: SessionDescription; readonly audio: NegotiatedAudio }
  | NegotiationFailure;

export type AnswerReading = { readonly ok: true; readonly audio: NegotiatedAudio } | NegotiationFailure;

/** An offer with one audio stream (RFC 3264 §5). */
export function buildOffer(caps: LocalAudioCapabilities, params: DescriptionParams): SessionDescription {
  const previous = params.previous;
  // Reuse the slot of the audio stream in use, else the first audio slot (RFC 3264 §8.1).
  const active = previous ? previous.media.findIndex((m) => m.kind === 'audio' && m.port !== 0) : -1;
  const oldIndex = active >= 0 ? active : (previous?.media.findIndex((m) => m.kind === 'audio') ?? -1);
  const oldAudio = previous?.media[oldIndex];
  const { formats, payloads } = offerPayloads(caps);
  const secure = caps.srtp === 'mandatory';
  const audio = audioSection(caps, {
    protocol: secure ? 'RTP/SAVP' : 'RTP/AVP',
    formats,
    payloads,
    direction: params.direction ?? 'sendrecv',
    rtcpMux: caps.rtcpMux !== false,
    crypto: offerCrypto(caps, oldAudio?.crypto ?? []),
  });
  let media: MediaDescription[];
  if (previous && oldIndex >= 0) {
    media = previous.media.map((m, i) => (i === oldIndex ? audio : declined(m)));
  } else {
    media = [...(previous?.media.map(declined) ?? []), audio];
  }
  return session(caps, params, media);
}

/** Our answer to a remote offer (RFC 3264 §6): one audio stream accepted, the rest at port 0. */
export function buildAnswer(
  offer: SessionDescription,
  caps: LocalAudioCapabilities,
  params: DescriptionParams,
): AnswerOutcome {
  let accepted: { index: number; media: MediaDescription; audio: NegotiatedAudio } | undefined;
  let firstFailure: NegotiationFailure | undefined;
  offer.media.forEach((m, index) => {
    if (accepted || m.kind !== 'audio' || m.port === 0 || !/^RTP\/S?AVPF?$/.test(m.protocol)) return;
    const previous = params.previous?.media[index];
    const r = answerAudio(offer, m, index, caps, params.direction ?? 'sendrecv', previous);
    if (r.ok) accepted = { index, media: r.media, audio: r.audio };
    else firstFailure ??= r;
  });
  if (!accepted) {
    return firstFailure ?? negotiationFailure('no-audio', 'the offer has no RTP audio stream we can use');
  }
  const chosen = accepted;
  // RFC 3264 §6: "The answer MUST contain exactly the same number of m= lines as the offer",
  // in the same order; streams we do not take are rejected with port 0.
  const media = offer.media.map((m, i) => (i === chosen.index ? chosen.media : declined(m)));
  return { ok: true, answer: session(caps, params, media), audio: chosen.audio };
}

/** Reads the answer to our offer (RFC 3264 §7) into what the media engine needs. */
export function processAnswer(offer: SessionDescription, answer: SessionDescription): AnswerReading {
  if (answer.media.length !== offer.media.length) {
    return invalid(`answer has ${answer.media.length} m= lines, the offer had ${offer.media.length} (RFC 3264 §6)`);
  }
  for (let i = 0; i < offer.media.length; i++) {
    if (answer.media[i]!.kind !== offer.media[i]!.kind) {
      return invalid(`answer m= line ${i + 1} is ${answer.media[i]!.kind}, the offer had ${offer.media[i]!.kind}`);
    }
  }
  const index = offer.media.findIndex((m) => m.kind === 'audio' && m.port !== 0);
  const ours = offer.media[index];
  const theirs = answer.media[index];
  if (!ours || !theirs) return negotiationFailure('no-audio', 'our offer had no audio stream');
  if (theirs.port === 0) return negotiationFailure('no-audio', 'the answer rejected the audio stream');
  if (theirs.protocol !== ours.protocol) {
    return invalid(`answer uses ${theirs.protocol} for an offer of ${ours.protocol}`);
  }
  const offered = resolvedFormats(ours);
  const pairs: { mine: ResolvedFormat; theirs: ResolvedFormat }[] = [];
  for (const f of resolvedFormats(theirs)) {
    const mine = offered.find((o) => sameFormat(o, f));
    if (mine) pairs.push({ mine, theirs: f });
  }
  const codecs = pairs.filter((p) => !isTelephoneEvent(p.theirs));
  const first = codecs[0];
  // RFC 3264 §6.1: the answer "MUST include at least one format present in the offer".
  if (!first) return invalid('the answer lists no codec from the offer (RFC 3264 §6.1)');
  if (!effectiveConnection(answer, theirs)) return invalid('the answer gives no c= address for audio (RFC 4566 §5.7)');
  const crypto = readAnswerCrypto(ours, theirs);
  if (!crypto.ok) return crypto;
  const events = pairs.filter((p) => isTelephoneEvent(p.theirs) && p.theirs.clockRate === first.theirs.clockRate)[0];
  const mine = directionFlags(declaredDirection(offer, ours));
  const peer = directionFlags(effectiveDirection(answer, theirs));
  return {
    ok: true,
    audio: negotiated(answer, theirs, index, {
      send: codecOf(first.theirs),
      receive: codecs.map((p) => codecOf(p.mine)),
      telephoneEvent: events
        ? { sendPayloadType: events.theirs.payloadType, receivePayloadType: events.mine.payloadType, clockRate: events.theirs.clockRate }
        : null,
      direction: { sending: mine.sending && peer.receiving, receiving: mine.receiving && peer.sending },
      rtcpMux: ours.rtcpMux && theirs.rtcpMux,
      srtp: crypto.srtp,
    }),
  };
}

type AudioAnswer =
  | { readonly ok: true; readonly media: MediaDescription; readonly audio: NegotiatedAudio }
  | NegotiationFailure;

function answerAudio(
  offer: SessionDescription,
  m: MediaDescription,
  index: number,
  caps: LocalAudioCapabilities,
  wanted: Direction,
  previous: MediaDescription | undefined,
): AudioAnswer {
  const formats = resolvedFormats(m);
  let codecs = formats.filter((f) => !isTelephoneEvent(f) && catalogEntryFor(f, caps.codecs) !== undefined);
  if (codecs.length === 0) {
    const names = formats.map((f) => `${f.name}/${f.clockRate}`).join(', ') || 'none';
    return negotiationFailure('no-common-codec', `no common codec: offered ${names}, we support ${caps.codecs.join(', ')}`);
  }
  if (caps.answerCodecOrder === 'local') {
    const rank = (f: ResolvedFormat) => caps.codecs.indexOf(catalogEntryFor(f, caps.codecs)!.name);
    codecs = [...codecs].sort((a, b) => rank(a) - rank(b));
  }
  const rates = new Set(codecs.map((c) => c.clockRate));
  // RFC 4733 §2.1: telephone-event runs at the clock rate of the audio it accompanies.
  const events = caps.telephoneEvent === false ? [] : formats.filter((f) => isTelephoneEvent(f) && rates.has(f.clockRate));
  if (!effectiveConnection(offer, m)) return negotiationFailure('no-audio', 'the audio stream has no c= address (RFC 4566 §5.7)');
  const crypto = answerCrypto(m, caps, previous?.crypto ?? []);
  if (!crypto.ok) return crypto;
  const direction = answerDirection(effectiveDirection(offer, m), wanted);
  const rtcpMux = m.rtcpMux && caps.rtcpMux !== false;
  const chosen = [...codecs, ...events];
  const media = audioSection(caps, {
    protocol: m.protocol,
    formats: chosen.map((f) => String(f.payloadType)),
    payloads: chosen.map((f) => {
      const entry = catalogEntryFor(f, caps.codecs);
      const fmtp = entry ? entry.fmtp : TELEPHONE_EVENT_FMTP;
      return payload(f.payloadType, f.name, f.clockRate, f.channels, fmtp);
    }),
    direction,
    rtcpMux,
    crypto: crypto.line ? [crypto.line] : [],
  });
  const send = codecs[0]!;
  const te = events.find((e) => e.clockRate === send.clockRate);
  return {
    ok: true,
    media,
    audio: negotiated(offer, m, index, {
      send: codecOf(send),
      // What we receive is described by our own answer, so our fmtp goes with it.
      receive: codecs.map((f) => codecOf({ ...withoutFmtp(f), ...fmtpOf(catalogEntryFor(f, caps.codecs)?.fmtp) })),
      telephoneEvent: te ? { sendPayloadType: te.payloadType, receivePayloadType: te.payloadType, clockRate: te.clockRate } : null,
      direction: directionFlags(direction),
      rtcpMux,
      srtp: crypto.srtp,
    }),
  };
}

interface Agreement {
  readonly send: NegotiatedCodec;
  readonly receive: readonly NegotiatedCodec[];
  readonly telephoneEvent: NegotiatedAudio['telephoneEvent'];
  readonly direction: DirectionFlags;
  readonly rtcpMux: boolean;
  readonly srtp: NegotiatedSrtp | null;
}

/** Where to send, from the peer's description: c= (media, then session) and m= port; RFC 3605 for RTCP. */
function negotiated(peer: SessionDescription, m: MediaDescription, mediaIndex: number, a: Agreement): NegotiatedAudio {
  // Callers checked that a c= applies; a multicast /ttl suffix is not part of the address.
  const address = (effectiveConnection(peer, m)?.address ?? '').split('/')[0]!;
  let rtcp: NegotiatedRtcp;
  if (a.rtcpMux) rtcp = { mux: true };
  else if (m.rtcp) rtcp = { mux: false, address: m.rtcp.connection?.address ?? address, port: m.rtcp.port };
  else rtcp = { mux: false, address, port: m.port + 1 };
  return {
    mediaIndex,
    remote: { address, port: m.port },
    rtcp,
    send: a.send,
    receive: a.receive,
    telephoneEvent: a.telephoneEvent,
    ptime: m.ptime ?? DEFAULT_PTIME,
    direction: a.direction,
    srtp: a.srtp,
  };
}

function offerPayloads(caps: LocalAudioCapabilities): { formats: string[]; payloads: PayloadFormat[] } {
  let nextDynamic = DYNAMIC_PT_FIRST;
  const payloads: PayloadFormat[] = [];
  const rates = new Set<number>();
  for (const name of new Set(caps.codecs)) {
    const c = AUDIO_CODECS[name];
    payloads.push(payload(c.staticPayloadType ?? nextDynamic++, c.name, c.clockRate, c.channels, c.fmtp));
    rates.add(c.clockRate);
  }
  if (caps.telephoneEvent !== false) {
    // RFC 4733 §2.5.1.2 rates: /8000 beside G.711/G.722, /48000 beside opus.
    for (const rate of [...rates].sort((a, b) => a - b)) {
      payloads.push(payload(nextDynamic++, TELEPHONE_EVENT, rate, 1, TELEPHONE_EVENT_FMTP));
    }
  }
  return { formats: payloads.map((p) => String(p.payloadType)), payloads };
}

function payload(pt: number, name: string, clockRate: number, channels: number, fmtp: string | undefined): PayloadFormat {
  return {
    payloadType: pt,
    rtpmap: { encodingName: name, clockRate, ...(channels !== 1 ? { channels } : {}) },
    ...(fmtp !== undefined ? { fmtp } : {}),
    rtcpFeedback: [],
  };
}

interface AudioSectionParts {
  readonly protocol: string;
  readonly formats: readonly string[];
  readonly payloads: readonly PayloadFormat[];
  readonly direction: Direction;
  readonly rtcpMux: boolean;
  readonly crypto: MediaDescription['crypto'];
}

function audioSection(caps: LocalAudioCapabilities, p: AudioSectionParts): MediaDescription {
  const rtcp = caps.rtcpPort !== undefined && !p.rtcpMux ? { rtcp: { port: caps.rtcpPort } } : {};
  return {
    kind: 'audio',
    port: caps.port,
    protocol: p.protocol,
    formats: p.formats,
    bandwidth: [],
    payloads: p.payloads,
    rtcpFeedbackAll: [],
    ptime: caps.ptime ?? DEFAULT_PTIME,
    direction: p.direction,
    ...rtcp,
    rtcpMux: p.rtcpMux,
    crypto: p.crypto,
    attributes: [],
  };
}

/** A rejected stream (RFC 3264 §6): same media type, protocol and formats, port 0. */
function declined(m: MediaDescription): MediaDescription {
  return {
    kind: m.kind,
    port: 0,
    protocol: m.protocol,
    formats: m.formats,
    bandwidth: [],
    payloads: [],
    rtcpFeedbackAll: [],
    rtcpMux: false,
    crypto: [],
    attributes: [],
  };
}

function session(caps: LocalAudioCapabilities, params: DescriptionParams, media: MediaDescription[]): SessionDescription {
  return {
    origin: params.origin,
    sessionName: params.sessionName ?? '-',
    connection: { addressType: addressTypeOf(caps.address), address: caps.address },
    bandwidth: [],
    timing: { start: 0, stop: 0 },
    attributes: [],
    media,
  };
}

function resolvedFormats(m: MediaDescription): ResolvedFormat[] {
  const out: ResolvedFormat[] = [];
  for (const pt of payloadTypesOf(m)) {
    const f = resolveFormat(m, pt);
    if (f) out.push(f);
  }
  return out;
}

function sameFormat(a: ResolvedFormat, b: ResolvedFormat): boolean {
  return sameName(a.name, b.name) && a.clockRate === b.clockRate && a.channels === b.channels;
}

function codecOf(f: ResolvedFormat): NegotiatedCodec {
  return {
    name: f.name,
    payloadType: f.payloadType,
    clockRate: f.clockRate,
    channels: f.channels,
    ...(f.fmtp !== undefined ? { fmtp: f.fmtp } : {}),
  };
}

function withoutFmtp(f: ResolvedFormat): ResolvedFormat {
  return { payloadType: f.payloadType, name: f.name, clockRate: f.clockRate, channels: f.channels };
}

function fmtpOf(fmtp: string | undefined): { fmtp?: string } {
  return fmtp === undefined ? {} : { fmtp };
}

function invalid(message: string): NegotiationFailure {
  return negotiationFailure('answer-invalid', message);
}
