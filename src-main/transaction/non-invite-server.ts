import { InvalidStateError, type TransportError } from '../base/errors';
import type { SipRequest, SipResponse } from '../sip';
import type { Flow } from '../transport/transport';
import { TransactionBase, type TransactionContext } from './transaction';
import type { ServerTransactionUser } from './transaction-user';

/**
 * Non-INVITE server transaction: RFC 3261 §17.2.2, Figure 8.
 *
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires
 *             |                     |-
 *             |                     |
 *             |                     V
 *             |               +-----------+
 *             |               |           |
 *             +-------------->| Terminated|
 *                             |           |
 *                             +-----------+
 */
export type NistState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const NIST_NEXT: Readonly<Record<NistState, readonly NistState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class NonInviteServerTransaction extends TransactionBase<NistState> {
  readonly kind = 'nist' as const;
  protected readonly table = NIST_NEXT;
  user: ServerTransactionUser | undefined;
  private lastProvisional: SipResponse | undefined;
  private finalResponse: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    readonly flow: Flow,
    id: string,
    ctx: TransactionContext,
  ) {
    super(id, 'trying', ctx);
  }

  get finalStatus(): number | undefined {
    return this.finalResponse?.status;
  }

  /** Sends a response from the TU; throws InvalidStateError once a final one was sent. */
  respond(response: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') {
      throw new InvalidStateError(`nist ${this.id}: cannot send ${response.status} in state ${this.state}`);
    }
    if (response.status < 200) {
      // "While in the 'Trying' state, if the TU passes a provisional response to the server
      // transaction, the server transaction MUST enter the 'Proceeding' state."
      this.lastProvisional = response;
      this.send(response);
      if (this.state === 'trying') this.enter('proceeding');
      return;
    }
    // "If the TU passes a final response (status codes 200-699) to the server while in the
    // 'Proceeding' [or 'Trying'] state, the transaction MUST enter the 'Completed' state, and
    // the response MUST be passed to the transport layer for transmission."
    this.finalResponse = response;
    this.send(response);
    this.enter('completed');
  }

  /** A retransmission of the request (§17.2.3). */
  receiveRequest(_request: SipRequest): void {
    switch (this.state) {
      case 'trying':
        // "Once in the 'Trying' state, any further request retransmissions are discarded."
        return;
      case 'proceeding':
        // "If a retransmission of the request is received while in the 'Proceeding' state, the
        // most recently sent provisional response MUST be passed to the transport layer".
        if (this.lastProvisional) this.send(this.lastProvisional);
        return;
      case 'completed':
        // "While in the 'Completed' state, the server transaction MUST pass the final response
        // to the transport layer for retransmission whenever a retransmission of the request
        // is received."
        if (this.finalResponse) this.send(this.finalResponse);
        return;
      case 'terminated':
        return;
    }
  }

  protected entered(state: NistState): void {
    if (state !== 'completed') return;
    // "Timer J … 64*T1 seconds for unreliable transports, and zero seconds for reliable".
    const j = this.ctx.timers.J;
    if (j === 0) this.terminate();
    else this.startTimer('J', j, ['completed'], () => this.terminate());
  }

  private send(response: SipResponse): void {
    this.transmit(
      () => this.ctx.transport.sendResponse(response, this.flow),
      (error) => this.failed(error),
    );
  }

  private failed(error: TransportError): void {
    this.terminate(() => this.user?.onTransportError?.(error));
  }

  private terminate(notify?: () => void): void {
    if (this.isTerminated) return;
    this.enter('terminated');
    notify?.();
    this.user?.onTerminated?.();
  }
}
