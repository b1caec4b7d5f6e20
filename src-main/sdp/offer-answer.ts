/**
 * The offer/answer state of one session (RFC 3264 §4, RFC 6337 §2-3).
 *
 *   state              createOffer       setRemoteOffer     setRemoteAnswer          createAnswer  rollback
 *   stable             have-local-offer  have-remote-offer  -                        -             -
 *   have-local-offer   -                 - (glare: 491)     negotiated | back (bad)  -             back
 *   have-remote-offer  -                 -                  -                        negotiated    back
 *   negotiated         have-local-offer  have-remote-offer  -                        -             -
 *
 *   back = negotiated after an earlier complete exchange, else stable. A refused remote offer
 *   (488) changes nothing.
 *
 * "negotiated" is the stable state after at least one complete exchange: it has a local and
 * a remote description and the `NegotiatedAudio` they agree on. Only one offer is outstanding
 * at a time (RFC 3264 §4, RFC 3261 §14.1): `hasOutstandingOffer()` lets the dialog layer answer
 * a crossing re-INVITE with 491 (glare).
 *
 * Every new local description keeps the o= session id; its version goes up by one whenever the
 * description changes and stays the same when it does not (RFC 3264 §8).
 */
import { InvalidStateError } from '../base/errors';
import type { Logger } from '../base/logger';
import { nullLogger } from '../base/logger';
import { randomUint32 } from '../base/random-ids';
import { isHolding, localDirection } from './direction';
import type { Direction, Origin, SessionDescription } from './model';
import { addressTypeOf } from './model';
import type { AnswerReading } from './negotiate';
import { buildAnswer, buildOffer, processAnswer } from './negotiate';
import type { LocalAudioCapabilities, NegotiatedAudio, NegotiationFailure } from './negotiation-types';

export type OfferAnswerState = 'stable' | 'have-local-offer' | 'have-remote-offer' | 'negotiated';

const NEXT: Readonly<Record<OfferAnswerState, readonly OfferAnswerState[]>> = {
  stable: ['have-local-offer', 'have-remote-offer'],
  'have-local-offer': ['negotiated', 'stable'],
  'have-remote-offer': ['negotiated', 'stable'],
  negotiated: ['have-local-offer', 'have-remote-offer'],
};

export interface OfferAnswerOptions {
  readonly capabilities: LocalAudioCapabilities;
  readonly logger?: Logger;
  /** o= username; '-' by default (RFC 4566 §5.2). */
  readonly username?: string;
  /** o= session id; random digits by default. */
  readonly sessionId?: string;
  /** o= version of our first description. Default 1. */
  readonly initialVersion?: bigint;
  /** s= text; '-' by default. */
  readonly sessionName?: string;
}

/** The last agreed exchange, restored by rollback. */
interface Stable {
  readonly local: SessionDescription | null;
  readonly remote: SessionDescription | null;
  readonly audio: NegotiatedAudio | null;
  readonly localHold: boolean;
  readonly remoteHold: boolean;
}

export class OfferAnswerSession {
  private current: OfferAnswerState = 'stable';
  private capabilities: LocalAudioCapabilities;
  private readonly log: Logger;
  private readonly username: string;
  private readonly sessionId: string;
  private readonly sessionName: string;
  private readonly firstVersion: bigint;
  /** The highest o= version handed out, agreed or not: a changed description never reuses one. */
  private lastIssued: bigint | null = null;
  private stable: Stable = { local: null, remote: null, audio: null, localHold: false, remoteHold: false };
  private localHold = false;
  private pendingOffer: SessionDescription | null = null;
  private pendingRemote: { offer: SessionDescription; answer: SessionDescription; audio: NegotiatedAudio } | null = null;

  constructor(options: OfferAnswerOptions) {
    this.capabilities = options.capabilities;
    this.log = (options.logger ?? nullLogger).child('offer-answer');
    this.username = options.username ?? '-';
    this.sessionId = options.sessionId ?? String(randomUint32());
    this.sessionName = options.sessionName ?? '-';
    this.firstVersion = options.initialVersion ?? 1n;
  }

  get state(): OfferAnswerState {
    return this.current;
  }

  /** True between sending an offer and its answer, or receiving one and answering it. */
  hasOutstandingOffer(): boolean {
    return this.current === 'have-local-offer' || this.current === 'have-remote-offer';
  }

  hasLocalOffer(): boolean {
    return this.current === 'have-local-offer';
  }

  hasRemoteOffer(): boolean {
    return this.current === 'have-remote-offer';
  }

  /** Our hold intent, used by the next offer or answer. */
  get isLocalHold(): boolean {
    return this.localHold;
  }

  /** Whether the peer's last agreed description holds us (sendonly, inactive, c=0.0.0.0). */
  get isRemoteHold(): boolean {
    return this.stable.remoteHold;
  }

  get localDescription(): SessionDescription | null {
    return this.stable.local;
  }

  get remoteDescription(): SessionDescription | null {
    return this.stable.remote;
  }

  /** What the media engine should run, from the last complete exchange. */
  get negotiated(): NegotiatedAudio | null {
    return this.stable.audio;
  }

  /** New ports, codecs or SRTP settings take effect with the next offer or answer. */
  setCapabilities(capabilities: LocalAudioCapabilities): void {
    this.capabilities = capabilities;
  }

  /**
   * Our offer: the initial one, or a re-offer (RFC 3264 §8) that keeps the m= layout and SRTP
   * keys. `hold` sets the hold intent first: sendonly, or inactive when the peer holds us
   * (RFC 3264 §8.4, RFC 6337 §5); `hold: false` resumes with sendrecv.
   */
  createOffer(options: { readonly hold?: boolean } = {}): SessionDescription {
    this.require('createOffer', 'stable', 'negotiated');
    if (options.hold !== undefined) this.localHold = options.hold;
    const direction = localDirection(this.localHold, this.stable.remoteHold);
    const offer = this.stamp(
      buildOffer(this.capabilities, { origin: this.origin(0n), sessionName: this.sessionName, direction, ...this.previous() }),
    );
    this.pendingOffer = offer;
    this.enter('have-local-offer');
    return offer;
  }

  /**
   * The answer to our offer. A bad answer (RFC 3264 §6/§7, RFC 4568) returns the failure and
   * goes back to the last agreed state; the caller ends or re-negotiates the session.
   */
  setRemoteAnswer(answer: SessionDescription): AnswerReading {
    this.require('setRemoteAnswer', 'have-local-offer');
    const offer = this.pendingOffer!;
    const reading = processAnswer(offer, answer);
    if (!reading.ok) {
      this.log.warn('answer refused', { reason: reading.reason, message: reading.message });
      this.rollback();
      return reading;
    }
    this.commit(offer, answer, reading.audio, answer.media[reading.audio.mediaIndex]!);
    return reading;
  }

  /**
   * A remote offer (initial or re-offer). On success the answer is ready for `createAnswer`;
   * on failure nothing changes and the caller rejects the offer with `status` (488).
   */
  setRemoteOffer(offer: SessionDescription): { readonly ok: true } | NegotiationFailure {
    this.require('setRemoteOffer', 'stable', 'negotiated');
    const wanted: Direction = this.localHold ? 'sendonly' : 'sendrecv';
    const outcome = buildAnswer(offer, this.capabilities, {
      origin: this.origin(0n),
      sessionName: this.sessionName,
      direction: wanted,
      ...this.previous(),
    });
    if (!outcome.ok) {
      this.log.info('offer refused', { reason: outcome.reason, message: outcome.message });
      return outcome;
    }
    const answer = this.stamp(outcome.answer);
    this.pendingRemote = { offer, answer, audio: outcome.audio };
    this.enter('have-remote-offer');
    return { ok: true };
  }

  /** Our answer to the offer given to `setRemoteOffer`; the exchange is complete. */
  createAnswer(): { readonly answer: SessionDescription; readonly audio: NegotiatedAudio } {
    this.require('createAnswer', 'have-remote-offer');
    const { offer, answer, audio } = this.pendingRemote!;
    this.commit(answer, offer, audio, offer.media[audio.mediaIndex]!);
    return { answer, audio };
  }

  /**
   * Abandons the outstanding offer (ours refused with 488/491, or theirs we will not answer)
   * and returns to the last agreed descriptions and hold state (RFC 6337 §3.2).
   */
  rollback(): void {
    this.require('rollback', 'have-local-offer', 'have-remote-offer');
    this.pendingOffer = null;
    this.pendingRemote = null;
    this.localHold = this.stable.localHold;
    this.enter(this.stable.local && this.stable.remote ? 'negotiated' : 'stable');
  }

  private commit(local: SessionDescription, remote: SessionDescription, audio: NegotiatedAudio, remoteAudio: SessionDescription['media'][number]): void {
    this.stable = { local, remote, audio, localHold: this.localHold, remoteHold: isHolding(remote, remoteAudio) };
    this.pendingOffer = null;
    this.pendingRemote = null;
    this.enter('negotiated');
  }

  /**
   * Gives a description our o= line: the session id and address never change; the version
   * stays when nothing else changed (RFC 3264 §8: "If the session description ... is unchanged,
   * the version MUST NOT change") and otherwise goes above every version handed out.
   */
  private stamp(d: SessionDescription): SessionDescription {
    const previous = this.stable.local;
    if (previous) {
      const same = { ...d, origin: previous.origin };
      if (fingerprint(same) === fingerprint(previous)) return same;
    }
    const version = this.lastIssued === null ? this.firstVersion : this.lastIssued + 1n;
    this.lastIssued = version;
    return { ...d, origin: { ...(previous?.origin ?? this.origin(version)), sessionVersion: version } };
  }

  private origin(version: bigint): Origin {
    const address = this.capabilities.address;
    return { username: this.username, sessionId: this.sessionId, sessionVersion: version, addressType: addressTypeOf(address), address };
  }

  private previous(): { previous?: SessionDescription } {
    return this.stable.local ? { previous: this.stable.local } : {};
  }

  private require(what: string, ...allowed: OfferAnswerState[]): void {
    if (!allowed.includes(this.current)) {
      throw new InvalidStateError(`${what}() is not allowed in state ${this.current}`);
    }
  }

  private enter(next: OfferAnswerState): void {
    if (!NEXT[this.current].includes(next)) {
      throw new InvalidStateError(`offer/answer cannot go from ${this.current} to ${next}`);
    }
    this.log.debug(`${this.current} -> ${next}`, { sessionId: this.sessionId });
    this.current = next;
  }
}

/** A stable text form of a description, for "did it change?" (bigint-safe). */
function fingerprint(d: SessionDescription): string {
  return JSON.stringify(d, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
