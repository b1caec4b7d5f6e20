/**
 * What a transport answers to a malformed request (RFC 3261 §8.2.1, §16.3): a status and a
 * short reason phrase naming the fault. The parser throws `SipMessageError`, a `SipParseError`
 * that carries that status; plain `SipParseError`s (from lazy header accessors) map to 400.
 */
import { SipParseError } from '../base/errors';
import { STATUS } from './constants';

export class SipMessageError extends SipParseError {
  constructor(
    message: string,
    offset: number,
    /** The status to answer with: 400, 505 (version), 513 (too large). */
    readonly status: number = STATUS.BAD_REQUEST,
  ) {
    super(message, offset);
  }
}

/** The status code for rejecting a request that failed to parse. */
export function parseErrorStatus(err: SipParseError): number {
  return err instanceof SipMessageError ? err.status : STATUS.BAD_REQUEST;
}

/**
 * A short reason phrase for the 400 (or 505/513) response: the parser's message, first letter
 * capitalised, without line breaks or control characters, at most 80 characters.
 */
export function badRequestReason(err: SipParseError): string {
  let m = err.message.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/"[^"]*"/g, (q) => (q.length > 30 ? q.slice(0, 28) + '…"' : q));
  m = m.charAt(0).toUpperCase() + m.slice(1);
  return m.length > 80 ? m.slice(0, 79) + '…' : m;
}
