import { InvalidStateError, type TransportError } from '../base/errors';
import { METHODS, STATUS, createResponse, type SipRequest, type SipResponse } from '../sip';
import type { Flow } from '../transport/transport';
import { TransactionBase, type TransactionContext } from './transaction';
import type { ServerTransactionUser } from './transaction-user';

/**
 * INVITE server transaction: RFC 3261 §17.2.1, Figure 7 as updated by RFC 6026 §7.1.
 *
 *                                |INVITE
 *                                |pass INV to TU
 *             INVITE             V send 100 if TU won't in 200 ms
 *             send response+------------+
 *                 +--------|            |--------+ 101-199 from TU
 *                 |        |            |        | send response
 *                 +------->|            |<-------+
 *                          | Proceeding |
 *                          |            |--------+ Transport Err.
 *                          |            |        | Inform TU
 *                          |            |<-------+
 *                          +------------+
 *             300-699 from TU |        |2xx from TU
 *             send response   |        |send response
 *              +--------------+        +------------+
 *              |                                    |
 * INVITE       V          Timer G fires             |
 * send response+-----------+ send response          |
 *     +--------|           |--------+               |
 *     |        |           |        |               |
 *     +------->| Completed |<-------+      INVITE   |  Transport Err.
 *              |           |               -        |  Inform TU
 *              +-----------+               +--------+----+
 *               |     |                    |        |    |
 *       ACK     |     |                    +------->+----+
 *       -       |     +---------------+             |
 *               |  Timer H fires      |             V
 *               V  or Transport Err.  |      +-----------+  2xx from TU
 *        +-----------+  Inform TU     |      |           |  send response
 *        |           |                |      | Accepted  |---------+
 *        | Confirmed |                |      |           |<--------+
 *        |           |                |      +-----------+  ACK: to TU
 *        +-----------+                |             |
 *               |                     |             |Timer L fires
 *               |Timer I fires        |             |-
 *               V                     V             V
 *        +--------------------------------------------------+
 *        |                    Terminated                    |
 *        +--------------------------------------------------+
 */
export type IstState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

const IST_NEXT: Readonly<Record<IstState, readonly IstState[]>> = {
  proceeding: ['completed', 'accepted', 'terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  accepted: ['terminated'],
  terminated: [],
};

export class InviteServerTransaction extends TransactionBase<IstState> {
  readonly kind = 'ist' as const;
  protected readonly table = IST_NEXT;
  /** Set by the TU that answers this INVITE. */
  user: ServerTransactionUser | undefined;
  private lastProvisional: SipResponse | undefined;
  private finalResponse: SipResponse | undefined;
  private interval: number;

  constructor(
    readonly request: SipRequest,
    /** Where the INVITE came from; responses go back per §18.2.2. */
    readonly flow: Flow,
    id: string,
    ctx: TransactionContext,
  ) {
    super(id, 'proceeding', ctx);
    this.interval = ctx.timers.G;
  }

  /** Starts the 200 ms timer for the automatic 100 Trying (§17.2.1). */
  start(): void {
    this.entered('proceeding');
  }

  /** True while a CANCEL can still stop it (no final response yet, §9.2). */
  get isCancellable(): boolean {
    return this.state === 'proceeding';
  }

  /** The To tag of the last response the TU sent (a CANCEL's 200 reuses it, §9.2). */
  get toTag(): string | undefined {
    return (this.finalResponse ?? this.lastProvisional)?.toTag;
  }

  /** The final response sent, if any. */
  get finalStatus(): number | undefined {
    return this.finalResponse?.status;
  }

  /**
   * Sends a response from the TU. In Accepted only 2xx (the TU's own retransmissions, RFC 6026
   * §7.1) are allowed; after a 300-699 nothing is. Throws InvalidStateError otherwise.
   */
  respond(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'proceeding':
        this.stopTimer('trying');
        if (status < 200) {
          // "The TU passes any number of provisional responses to the server transaction."
          this.lastProvisional = response;
          this.send(response);
        } else if (status < 300) {
          // RFC 6026 §7.1: "If, while in the 'Proceeding' state, the TU passes a 2xx response
          // to the server transaction, the server transaction MUST pass this response to the
          // transport layer for transmission … and MUST transition to the 'Accepted' state."
          this.finalResponse = response;
          this.send(response);
          this.enter('accepted');
        } else {
          // "the response MUST be passed to the transport layer … and the state machine MUST
          // enter the 'Completed' state."
          this.finalResponse = response;
          this.send(response);
          this.enter('completed');
        }
        return;
      case 'accepted':
        if (status >= 200 && status < 300) {
          this.send(response);
          return;
        }
        break;
      default:
        break;
    }
    throw new InvalidStateError(`ist ${this.id}: cannot send ${status} in state ${this.state}`);
  }

  /**
   * A retransmitted INVITE or an ACK matched to this transaction (§17.2.3). Returns true when
   * the request must also go to the TU (an ACK while Accepted, RFC 6026 §7.1).
   */
  receiveRequest(request: SipRequest): boolean {
    const isAck = request.method === METHODS.ACK;
    switch (this.state) {
      case 'proceeding':
        // "If a request retransmission is received while in the 'Proceeding' state, the most
        // recent provisional response that was received from the TU MUST be passed to the
        // transport layer for retransmission."
        if (!isAck && this.lastProvisional) this.send(this.lastProvisional);
        return false;
      case 'completed':
        if (isAck) {
          // "If an ACK is received while the server transaction is in the 'Completed' state,
          // the server transaction MUST transition to the 'Confirmed' state."
          this.enter('confirmed');
        } else if (this.finalResponse) {
          // "while in the 'Completed' state, if a request retransmission is received, the
          // server SHOULD pass the response to the transport for retransmission."
          this.send(this.finalResponse);
        }
        return false;
      case 'accepted':
        // RFC 6026 §7.1: INVITE retransmissions are absorbed; an ACK is passed to the TU.
        return isAck;
      case 'confirmed':
      case 'terminated':
        // Confirmed absorbs ACK retransmissions (§17.2.1).
        return false;
    }
  }

  /** Builds the automatic 100 Trying (§8.2.6.1 copies Timestamp; builders.ts does that). */
  private trying(): SipResponse {
    return createResponse(this.request, STATUS.TRYING);
  }

  protected entered(state: IstState): void {
    const t = this.ctx.timers;
    switch (state) {
      case 'proceeding':
        // §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it
        // knows that the TU will generate a provisional or final response within 200 ms".
        this.startTimer('trying', t.trying, ['proceeding'], () => {
          this.lastProvisional = this.trying();
          this.send(this.lastProvisional);
        });
        return;
      case 'completed':
        // "For unreliable transports, timer G is set to fire in T1 seconds … For any transport,
        // timer H MUST be set to fire in 64*T1 seconds."
        if (!t.isReliable) this.armTimerG();
        this.startTimer('H', t.H, ['completed'], () => this.terminate(() => this.user?.onAckTimeout?.()));
        return;
      case 'confirmed':
        // "timer I is set to fire in T4 seconds for unreliable transports, and zero seconds for
        // reliable transports."
        if (t.I === 0) this.terminate();
        else this.startTimer('I', t.I, ['confirmed'], () => this.terminate());
        return;
      case 'accepted':
        // RFC 6026 §7.1: "Timer L … 64*T1".
        this.startTimer('L', t.L, ['accepted'], () => this.terminate());
        return;
      case 'terminated':
        return;
    }
  }

  private armTimerG(): void {
    this.startTimer('G', this.interval, ['completed'], () => {
      // "If timer G fires, the response is passed to the transport layer once more for
      // retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds."
      if (this.finalResponse) this.send(this.finalResponse);
      this.interval = Math.min(2 * this.interval, this.ctx.timers.t2);
      this.armTimerG();
    });
  }

  private send(response: SipResponse): void {
    this.transmit(
      () => this.ctx.transport.sendResponse(response, this.flow),
      (error) => this.failed(error),
    );
  }

  /** §17.2.4: a failed send is reported to the TU; the transaction ends. */
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
