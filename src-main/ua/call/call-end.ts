/** Maps how an INVITE ended to a `CallEnd` a person understands (RFC 3261 §21). */
import type { CallEnd, CallEndCause } from '../../shared/model/call';
import type { TransportError } from '../../base/errors';

export function endFromStatus(status: number, reason: string): CallEnd {
  let cause: CallEndCause;
  switch (status) {
    case 486:
    case 600:
      cause = 'busy';
      break;
    case 603:
      cause = 'declined';
      break;
    case 404:
    case 604:
      cause = 'not-found';
      break;
    case 480:
    case 410:
      cause = 'unavailable';
      break;
    case 408:
      cause = 'no-answer';
      break;
    case 488:
    case 606:
      cause = 'no-common-codec';
      break;
    case 401:
    case 407:
    case 403:
      cause = 'auth';
      break;
    case 487:
      cause = 'cancelled';
      break;
    default:
      cause = 'rejected';
  }
  return { cause, by: 'remote', status, reason };
}

export function endFromTransport(error: TransportError): CallEnd {
  const cause: CallEndCause = error.code === 'transport.tls' ? 'tls' : error.code === 'transport.dns' ? 'dns' : 'network';
  return { cause, by: 'network', reason: error.message };
}

/** One line for a terminal: "busy (486 Busy Here)". */
export function describeEnd(end: CallEnd): string {
  const words: Record<CallEndCause, string> = {
    completed: end.by === 'local' ? 'hung up' : 'the other side hung up',
    cancelled: 'cancelled before the answer',
    busy: 'busy',
    declined: 'declined',
    'not-found': 'no such user',
    unavailable: 'not available',
    'no-answer': 'no answer',
    'no-common-codec': 'no common codec or media security',
    auth: 'not authorised (wrong password?)',
    'redirect-loop': 'too many redirections',
    network: 'network failure',
    tls: 'TLS connection failed (certificate refused?)',
    dns: 'the address did not resolve',
    rejected: 'rejected',
    media: 'media could not start',
    'session-expired': 'the session timer expired',
  };
  const detail = end.status !== undefined ? ` (${end.status}${end.reason ? ' ' + end.reason : ''})` : end.reason ? ` (${end.reason})` : '';
  return words[end.cause] + detail;
}
