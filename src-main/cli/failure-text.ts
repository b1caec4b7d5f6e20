/** One clear line per failure, for people reading a terminal (issue 3 §8). */
import type { RegistrationView } from '../shared/model/registration';
import type { RequestOutcome } from '../ua/request-sender';

export function registrationFailureText(v: RegistrationView, via: string): string {
  const status = v.status !== undefined ? ` (${v.status}${v.reason ? ' ' + v.reason : ''})` : '';
  switch (v.failure) {
    case 'auth':
      return v.status === 403 ? `registration refused: forbidden${status}` : `registration refused: wrong user name or password${status}`;
    case 'rejected':
      return `registration refused by the registrar${status}`;
    case 'server-error':
      return `the registrar could not serve the registration${status}`;
    case 'timeout':
      return `no answer from ${via}${v.status !== undefined ? status : ' (timed out)'}`;
    case 'tls':
      return `TLS connection to ${via} failed: certificate refused or handshake failed (${v.reason ?? 'unknown reason'})`;
    case 'dns':
      return `cannot resolve the registrar for ${via}: ${v.reason ?? 'no address'}`;
    case 'unreachable':
    case 'connection-lost':
      return `cannot reach ${via}: ${v.reason ?? 'connection failed'}`;
    case 'protocol':
      return `the registrar's answer was not understood${status}${v.reason && v.status === undefined ? ': ' + v.reason : ''}`;
    default:
      return `registration failed${status}`;
  }
}

export function outcomeText(outcome: RequestOutcome, target: string): string {
  switch (outcome.kind) {
    case 'response':
      return `${outcome.response.status} ${outcome.response.reason}`;
    case 'timeout':
      return `no answer from ${target} (timed out)`;
    case 'transport-error':
      return outcome.error.code === 'transport.tls'
        ? `TLS connection to ${target} failed: certificate refused or handshake failed (${outcome.error.message})`
        : `cannot reach ${target}: ${outcome.error.message}`;
  }
}
