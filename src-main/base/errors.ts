/**
 * Thrown errors are a few `ParleyError` subclasses, each with a stable string `code` that
 * crosses IPC and CLI boundaries unchanged. Protocol outcomes (a 486, a timeout) are values,
 * not exceptions.
 */
export abstract class ParleyError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    // Keep `instanceof` working across transpilation targets.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Malformed SIP input; `offset` is the byte offset at which the fault was found. */
export class SipParseError extends ParleyError {
  readonly code = 'sip.parse';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export type TransportErrorCode =
  | 'transport.unreachable'
  | 'transport.closed'
  | 'transport.tls'
  | 'transport.dns'
  | 'transport.timeout'
  | 'transport.too-large';

export class TransportError extends ParleyError {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An operation was asked of an object in a state that does not allow it. */
export class InvalidStateError extends ParleyError {
  readonly code = 'state.invalid';
}

/** Arguments that fail validation (IPC, CLI, settings). */
export class ValidationError extends ParleyError {
  readonly code = 'validation';
}

/** A media or device failure (codec, SRTP, audio device). */
export class MediaError extends ParleyError {
  constructor(
    readonly code: 'media.device' | 'media.codec' | 'media.srtp' | 'media.rtp',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
