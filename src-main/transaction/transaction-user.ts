import type { TransportError } from '../base/errors';
import type { SipResponse } from '../sip';

/**
 * Typed delegates from one transaction to the layer above (the TU: UA core, dialogs,
 * registrations), after SIP.js's `ClientTransactionUser`. The layer-wide
 * `TransactionLayerUser` is in transaction-layer.ts.
 */

/** Given with each outgoing request; hears what happens to that one transaction. */
export interface ClientTransactionUser {
  /**
   * Every response the TU must see: provisional and final ones (§17.1.1.2, §17.1.2.2), and
   * for INVITE each 2xx retransmission while Accepted (RFC 6026 §7.2). Retransmitted non-2xx
   * final responses are absorbed by the transaction.
   */
  receiveResponse(response: SipResponse): void;
  /** Timer B or F fired with no final response (§17.1.1.2, §17.1.2.2): treat as 408. */
  onRequestTimeout?(): void;
  /** The request (or the ACK) could not be sent (§17.1.4): treat as 503. */
  onTransportError?(error: TransportError): void;
  onTerminated?(): void;
}

/** Optionally set on a server transaction by the TU that answers it. */
export interface ServerTransactionUser {
  /** A response could not be sent (§17.2.4). */
  onTransportError?(error: TransportError): void;
  /** INVITE only: Timer H fired — no ACK came for a 3xx-6xx (§17.2.1). */
  onAckTimeout?(): void;
  onTerminated?(): void;
}
