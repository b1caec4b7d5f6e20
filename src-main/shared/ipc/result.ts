/**
 * Every IPC command answers with a `Result`: Electron strips thrown errors down to their
 * message (electron/electron#24427), so failures travel as values with a stable code.
 */
export type IpcErrorCode =
  | 'validation'
  | 'not-found'
  | 'state.invalid'
  | 'sip.parse'
  | 'transport.unreachable'
  | 'transport.closed'
  | 'transport.tls'
  | 'transport.dns'
  | 'transport.timeout'
  | 'transport.too-large'
  | 'media.device'
  | 'media.codec'
  | 'media.srtp'
  | 'media.rtp'
  | 'denied'
  | 'internal';

export interface IpcError {
  readonly code: IpcErrorCode;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: IpcErrorCode, message: string): Result<T> => ({ ok: false, error: { code, message } });
