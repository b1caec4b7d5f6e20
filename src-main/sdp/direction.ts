/**
 * Media direction, hold and resume on the model (RFC 3264 §5.1, §6.1, §8.4; RFC 6337 §5).
 * Hold changes `direction` on the description; nothing here edits SDP text.
 */
import type { Direction, MediaDescription, SessionDescription } from './model';

/** A direction as two facts, from the point of view of the SDP's author. */
export interface DirectionFlags {
  readonly sending: boolean;
  readonly receiving: boolean;
}

export function directionFlags(d: Direction): DirectionFlags {
  return { sending: d === 'sendrecv' || d === 'sendonly', receiving: d === 'sendrecv' || d === 'recvonly' };
}

export function directionFromFlags(f: DirectionFlags): Direction {
  if (f.sending) return f.receiving ? 'sendrecv' : 'sendonly';
  return f.receiving ? 'recvonly' : 'inactive';
}

/** The same stream seen from the other end: sendonly ⇄ recvonly. */
export function reverseDirection(d: Direction): Direction {
  const f = directionFlags(d);
  return directionFromFlags({ sending: f.receiving, receiving: f.sending });
}

/** Media-level direction, else session-level, else sendrecv (RFC 3264 §5.1, RFC 4566 §6). */
export function declaredDirection(session: SessionDescription, media: MediaDescription): Direction {
  return media.direction ?? session.direction ?? 'sendrecv';
}

/**
 * The RFC 2543 hold form: c= with the address 0.0.0.0. RFC 3264 §8.4 keeps it only for
 * compatibility: the author does not want to receive media.
 */
export function isZeroConnection(session: SessionDescription, media: MediaDescription): boolean {
  const c = media.connection ?? session.connection;
  return c !== undefined && c.addressType === 'IP4' && c.address === '0.0.0.0';
}

/** The direction the author really means: declared, minus receiving under c=0.0.0.0. */
export function effectiveDirection(session: SessionDescription, media: MediaDescription): Direction {
  const declared = declaredDirection(session, media);
  if (!isZeroConnection(session, media)) return declared;
  return directionFromFlags({ sending: directionFlags(declared).sending, receiving: false });
}

/**
 * Whether the author of `session` holds the other side on this stream: a=sendonly,
 * a=inactive or c=0.0.0.0 (RFC 6337 §5.3; RFC 3264 §8.4).
 */
export function isHolding(session: SessionDescription, media: MediaDescription): boolean {
  return !directionFlags(effectiveDirection(session, media)).receiving;
}

/**
 * RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding stream MUST be marked
 * as recvonly or inactive in the answer. If a media stream is listed as recvonly in the offer,
 * the answer MUST be marked as sendonly or inactive ... If an offered media stream is listed
 * as inactive, it MUST be marked as inactive in the answer." Within that, `local` is what we
 * want (sendonly while we hold).
 */
export function answerDirection(offered: Direction, local: Direction): Direction {
  const o = directionFlags(offered);
  const l = directionFlags(local);
  return directionFromFlags({ sending: l.sending && o.receiving, receiving: l.receiving && o.sending });
}

/**
 * The direction we offer or answer with while we hold: sendonly, or inactive when the peer
 * already holds us (RFC 3264 §8.4, RFC 6337 §5.1 and §5.3).
 */
export function holdDirection(peerHoldsUs: boolean): Direction {
  return peerHoldsUs ? 'inactive' : 'sendonly';
}

/** The direction we want for our audio: sendrecv, sendonly/inactive while held by us. */
export function localDirection(localHold: boolean, peerHoldsUs: boolean): Direction {
  return localHold ? holdDirection(peerHoldsUs) : 'sendrecv';
}

function isActiveAudio(m: MediaDescription): boolean {
  return m.kind === 'audio' && m.port !== 0;
}

/** A copy of `session` with `direction` on every active audio stream. */
export function withAudioDirection(session: SessionDescription, direction: Direction): SessionDescription {
  return {
    ...session,
    media: session.media.map((m) => (isActiveAudio(m) ? { ...m, direction } : m)),
  };
}

/** Our description put on hold (RFC 3264 §8.4): sendonly, or inactive if the peer holds us. */
export function holdSession(session: SessionDescription, peerHoldsUs: boolean): SessionDescription {
  return withAudioDirection(session, holdDirection(peerHoldsUs));
}

/** Our description resumed: sendrecv (RFC 6337 §5.2; the answer decides what flows). */
export function resumeSession(session: SessionDescription): SessionDescription {
  return withAudioDirection(session, 'sendrecv');
}
