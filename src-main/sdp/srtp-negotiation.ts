/**
 * SDES key negotiation for one audio stream (RFC 4568 §7) under Parley's SRTP policy.
 */
import type { CryptoAttribute, MediaDescription } from './model';
import type { InlineKey, ParsedCrypto, SrtpSuiteName } from './crypto-attr';
import { SRTP_SUITE_NAMES, createCrypto, parseCrypto } from './crypto-attr';
import type { LocalAudioCapabilities, NegotiatedSrtp, NegotiationFailure } from './negotiation-types';
import { negotiationFailure } from './negotiation-types';

/** RTP/SAVP, RTP/SAVPF (and the DTLS profiles, which we do not offer). */
export function isSecureProtocol(protocol: string): boolean {
  return /SAVPF?$/.test(protocol);
}

export function suitesOf(caps: LocalAudioCapabilities): readonly SrtpSuiteName[] {
  return caps.srtpSuites ?? SRTP_SUITE_NAMES;
}

/** A single inline key without MKI: what the media engine's SRTP context takes. */
function singleKey(c: ParsedCrypto): InlineKey | undefined {
  const k = c.keys[0];
  return c.keys.length === 1 && k !== undefined && k.mki === undefined ? k : undefined;
}

function keyOf(line: CryptoAttribute): string | undefined {
  const p = parseCrypto(line);
  return p.ok ? singleKey(p.crypto)?.keySalt : undefined;
}

/**
 * a=crypto lines for our offer: none under 'off'; otherwise one per suite in preference order,
 * tags 1, 2, …. A re-offer keeps the keys of `previous` for the same suite (RFC 4568 §7.1.4
 * lets keys stay unchanged), so hold/resume does not re-key the stream.
 */
export function offerCrypto(caps: LocalAudioCapabilities, previous: readonly CryptoAttribute[]): CryptoAttribute[] {
  if (caps.srtp === 'off') return [];
  return suitesOf(caps).map((suite, i) => {
    const tag = i + 1;
    const old = previous.find((c) => c.suite === suite && keyOf(c) !== undefined);
    return old ? { tag, suite, keyParams: old.keyParams } : createCrypto(tag, suite, caps.generateKey);
  });
}

export type AnswerCrypto =
  | { readonly ok: true; readonly line: CryptoAttribute | null; readonly srtp: NegotiatedSrtp | null }
  | NegotiationFailure;

/**
 * The answerer's choice (RFC 4568 §7.1.2): the first offered line whose suite we support,
 * answered with the same tag and suite and our own key. The policy decides whether plain RTP
 * is acceptable.
 */
export function answerCrypto(
  offer: MediaDescription,
  caps: LocalAudioCapabilities,
  previous: readonly CryptoAttribute[],
): AnswerCrypto {
  const secure = isSecureProtocol(offer.protocol);
  if (caps.srtp === 'off') {
    if (secure) return negotiationFailure('srtp-refused', `${offer.protocol} offered but SRTP is off`);
    return { ok: true, line: null, srtp: null };
  }
  const suites = suitesOf(caps);
  const reasons: string[] = [];
  for (const line of offer.crypto) {
    const parsed = parseCrypto(line);
    if (!parsed.ok) {
      reasons.push(`tag ${line.tag}: ${parsed.reason}`);
      continue;
    }
    const key = singleKey(parsed.crypto);
    if (!key) {
      reasons.push(`tag ${line.tag}: keys with MKI are not supported`);
      continue;
    }
    if (!suites.includes(parsed.crypto.suite)) {
      reasons.push(`tag ${line.tag}: suite ${parsed.crypto.suite} is disabled`);
      continue;
    }
    const suite = parsed.crypto.suite;
    const old = previous.find((c) => c.tag === line.tag && c.suite === suite);
    const oldKey = old ? keyOf(old) : undefined;
    const mine = old && oldKey ? { tag: line.tag, suite, keyParams: old.keyParams } : createCrypto(line.tag, suite, caps.generateKey);
    return { ok: true, line: mine, srtp: { suite, localKey: keyOf(mine)!, remoteKey: key.keySalt } };
  }
  if (offer.crypto.length === 0 && secure) {
    return negotiationFailure('no-acceptable-crypto', `${offer.protocol} offered without a=crypto (only SDES is supported)`);
  }
  if (offer.crypto.length === 0 && caps.srtp === 'mandatory') {
    return negotiationFailure('srtp-required', `SRTP is mandatory but plain ${offer.protocol} was offered`);
  }
  if (secure || caps.srtp === 'mandatory') {
    return negotiationFailure('no-acceptable-crypto', `no acceptable a=crypto line (${reasons.join('; ')})`);
  }
  // 'optional' and an RTP/AVP offer whose crypto we cannot use: fall back to plain RTP.
  return { ok: true, line: null, srtp: null };
}

export type ReadCrypto = { readonly ok: true; readonly srtp: NegotiatedSrtp | null } | NegotiationFailure;

/**
 * The offerer's check of the answer (RFC 4568 §7.1.3/§7.2): the answer's a=crypto must carry
 * a tag we offered with the same suite. No a=crypto means plain RTP, acceptable only when we
 * offered RTP/AVP.
 */
export function readAnswerCrypto(offer: MediaDescription, answer: MediaDescription): ReadCrypto {
  if (answer.crypto.length === 0) {
    if (isSecureProtocol(offer.protocol)) {
      return negotiationFailure('no-acceptable-crypto', `answer to ${offer.protocol} has no a=crypto`);
    }
    return { ok: true, srtp: null };
  }
  if (offer.crypto.length === 0) {
    return negotiationFailure('answer-invalid', 'answer has a=crypto but the offer had none');
  }
  if (answer.crypto.length > 1) {
    return negotiationFailure('answer-invalid', 'answer has more than one a=crypto line (RFC 4568 §7.1.3)');
  }
  const theirs = answer.crypto[0]!;
  const ours = offer.crypto.find((c) => c.tag === theirs.tag);
  if (!ours) return negotiationFailure('answer-invalid', `answer a=crypto tag ${theirs.tag} was not offered`);
  if (ours.suite !== theirs.suite) {
    return negotiationFailure('answer-invalid', `answer a=crypto tag ${theirs.tag} changes suite ${ours.suite} to ${theirs.suite}`);
  }
  const parsed = parseCrypto(theirs);
  if (!parsed.ok) return negotiationFailure('no-acceptable-crypto', `answer a=crypto: ${parsed.reason}`);
  const remote = singleKey(parsed.crypto);
  if (!remote) return negotiationFailure('no-acceptable-crypto', 'answer a=crypto uses MKI, which is not supported');
  const localKey = keyOf(ours);
  if (localKey === undefined) return negotiationFailure('answer-invalid', `offered a=crypto tag ${ours.tag} is unusable`);
  return { ok: true, srtp: { suite: parsed.crypto.suite, localKey, remoteKey: remote.keySalt } };
}
