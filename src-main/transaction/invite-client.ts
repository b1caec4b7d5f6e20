import type { TransportError } from '../base/errors';
import type { SipRequest, SipResponse } from '../sip';
import type { Destination } from '../transport/transport';
import { buildAckForNon2xx } from './ack-cancel';
import { TransactionBase, type TransactionContext } from './transaction';
import type { ClientTransactionUser } from './transaction-user';

/**
 * INVITE client transaction: RFC 3261 §17.1.1, Figure 5 as updated by RFC 6026 §7.2.
 *
 *                                |INVITE from TU
 *              Timer A fires     |INVITE sent        Timer B fires
 *              Reset A,          V                   or Transport Err.
 *              INVITE sent +-----------+             inform TU
 *                +---------|           |---------------------------+
 *                |         |  Calling  |                           |
 *                +-------->|           |--------------+            |
 *                          +-----------+ 2xx          |            |
 *                             |  |       2xx to TU    |            |
 *                             |  |1xx                 |            |
 *     300-699 +---------------+  |1xx to TU           |            |
 *    ACK sent |                  |                    |            |
 * resp. to TU |  1xx             V                    |            |
 *             |  1xx to TU  -----------+              |            |
 *             |  +---------|           |              |            |
 *             |  |         |Proceeding |              |            |
 *             |  +-------->|           |              |            |
 *             |            +-----------+ 2xx          |            |
 *             |       300-699    |       2xx to TU    |            |
 *             |       ACK sent,  |                    |            |
 *             |       resp. to TU|                    |            |
 *             |                  |                    |            |   NOTE:
 *             |  300-699         V                    V            |   transitions
 *             |  ACK sent  +-----------+        +-----------+      |   labeled with
 *             |  +---------|           |        |           |      |   the event
 *             |  |         | Completed |        | Accepted  |<-+   |   over the action
 *             |  +-------->|           |        |           |  |   |   to take
 *             |            +-----------+        +-----------+  |   |
 *             |              ^   |                 |   | 2xx   |   |
 *             +--------------+   | Timer D fires   |   | to TU |   |
 *                                | -               |   +-------+   |
 *                                |                 | Timer M fires |
 *                                V                 V -             |
 *                          +------------------------------------+ |
 *                          |             Terminated             |<+
 *                          +------------------------------------+
 */
export type IctState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

const ICT_NEXT: Readonly<Record<IctState, readonly IctState[]>> = {
  calling: ['proceeding', 'completed', 'accepted', 'terminated'],
  proceeding: ['completed', 'accepted', 'terminated'],
  completed: ['terminated'],
  accepted: ['terminated'],
  terminated: [],
};

export class InviteClientTransaction extends TransactionBase<IctState> {
  readonly kind = 'ict' as const;
  protected readonly table = ICT_NEXT;
  private ack: SipRequest | undefined;
  private interval: number;

  constructor(
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly user: ClientTransactionUser,
    ctx: TransactionContext,
  ) {
    super(`${request.via.branch ?? ''}|INVITE`, 'calling', ctx);
    this.interval = ctx.timers.A;
  }

  /** Sends the INVITE and starts Timers A and B (§17.1.1.2). Call once, after registering. */
  start(): void {
    this.send();
    this.entered('calling');
  }

  /** A response matched to this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          // "If the client transaction receives a provisional response while in the Calling
          // state, it transitions to the Proceeding state … the provisional response MUST be
          // passed to the TU."
          if (this.state === 'calling') this.enter('proceeding');
          this.user.receiveResponse(response);
        } else if (status < 300) {
          // RFC 6026 §7.2: "a 2xx response … MUST cause the client transaction to enter the
          // Accepted state … and MUST be passed up to the TU".
          this.enter('accepted');
          this.user.receiveResponse(response);
        } else {
          // §17.1.1.2: "a final response with status code 300-699 … the client transaction
          // MUST transition to the Completed state … generate an ACK … and pass the response up".
          // The TU hears the response before the state moves: over a reliable transport
          // Timer D is zero, so Completed ends at once and the TU must not see "terminated"
          // before the final response.
          this.ack = buildAckForNon2xx(this.request, response);
          this.sendAck();
          this.user.receiveResponse(response);
          this.enter('completed');
        }
        return;
      case 'completed':
        // "Any retransmissions of the final response that are received while in the Completed
        // state MUST cause the ACK to be re-passed to the transport layer … but the newly
        // received response MUST NOT be passed up to the TU."
        if (status >= 300) this.sendAck();
        return;
      case 'accepted':
        // RFC 6026 §7.2: "any 2xx response received in Accepted state MUST be passed up to the TU".
        if (status >= 200 && status < 300) this.user.receiveResponse(response);
        return;
      case 'terminated':
        return;
    }
  }

  protected entered(state: IctState): void {
    const t = this.ctx.timers;
    switch (state) {
      case 'calling':
        // §17.1.1.2: "For unreliable transports … the client transaction MUST start timer A with
        // a value of T1 … For any transport, the client transaction MUST start timer B".
        if (!t.isReliable) this.armTimerA();
        this.startTimer('B', t.B, ['calling'], () => this.terminate(() => this.user.onRequestTimeout?.()));
        return;
      case 'completed':
        // "set Timer D to fire in … at least 32 seconds for unreliable transports, and … zero
        // seconds for reliable transports."
        if (t.D === 0) this.terminate();
        else this.startTimer('D', t.D, ['completed'], () => this.terminate());
        return;
      case 'accepted':
        this.startTimer('M', t.M, ['accepted'], () => this.terminate());
        return;
      case 'proceeding':
      case 'terminated':
        return;
    }
  }

  private armTimerA(): void {
    this.startTimer('A', this.interval, ['calling'], () => {
      // "When timer A fires, the client transaction MUST retransmit the request … and reset
      // the timer with a value of 2*T1" (doubling each time, without a cap for INVITE).
      this.send();
      this.interval *= 2;
      this.armTimerA();
    });
  }

  private send(): void {
    this.transmit(
      () => this.ctx.transport.send(this.request, this.destination),
      (error) => this.failed(error),
    );
  }

  private sendAck(): void {
    const ack = this.ack;
    if (!ack) return;
    this.transmit(
      () => this.ctx.transport.send(ack, this.destination),
      (error) => this.failed(error),
    );
  }

  /** §17.1.4: "the client transaction SHOULD inform the TU … and transition to Terminated". */
  private failed(error: TransportError): void {
    this.terminate(() => this.user.onTransportError?.(error));
  }

  /** Terminates, then tells the TU why (`notify`) and that it is over. */
  private terminate(notify?: () => void): void {
    if (this.isTerminated) return;
    this.enter('terminated');
    notify?.();
    this.user.onTerminated?.();
  }
}
