/** What the UI and the CLI see of one account's registration. */
export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'refreshing' | 'unregistering' | 'failed';

/** Why a registration failed, in words a user can act on. */
export type RegistrationFailure =
  | 'auth' // wrong password or user name
  | 'rejected' // the registrar refused (404, 6xx …)
  | 'server-error' // 5xx or 480: the registrar is there but cannot serve now
  | 'timeout' // no answer
  | 'unreachable' // transport could not reach the registrar
  | 'tls' // TLS handshake failed or certificate refused
  | 'dns' // the registrar's name did not resolve
  | 'connection-lost' // the connection dropped and re-registering has not yet succeeded
  | 'protocol'; // an answer that makes no sense (e.g. 2xx without our contact)

export interface RegistrationView {
  readonly accountId: string;
  readonly aor: string;
  readonly state: RegistrationState;
  /** Seconds granted by the registrar, when registered. */
  readonly expires?: number;
  /** When failed: the class of failure, the status and reason (if a response caused it). */
  readonly failure?: RegistrationFailure;
  readonly status?: number;
  readonly reason?: string;
  /** When failed and a retry is scheduled: seconds until it. */
  readonly retryInSeconds?: number;
  /** Whether the registrar confirmed RFC 5626 outbound for this flow. */
  readonly outbound?: boolean;
}
