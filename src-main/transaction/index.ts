/** The transaction layer's public surface (RFC 3261 §17, RFC 6026). */
export {
  TransactionLayer,
  serverTransactionKey,
  clientTransactionKey,
  type ClientTransaction,
  type ServerTransaction,
  type TransactionLayerUser,
  type TransactionLayerOptions,
} from './transaction-layer';
export { InviteClientTransaction, type IctState } from './invite-client';
export { NonInviteClientTransaction, type NictState } from './non-invite-client';
export { InviteServerTransaction, type IstState } from './invite-server';
export { NonInviteServerTransaction, type NistState } from './non-invite-server';
export type { ClientTransactionUser, ServerTransactionUser } from './transaction-user';
export type { TransactionTransport } from './transaction';
export { deriveTimers, DEFAULT_TIMER_BASE, type TimerBase, type TransactionTimers } from './timers';
export { buildAckForNon2xx, buildCancel } from './ack-cancel';
