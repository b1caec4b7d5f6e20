import type { TransportError } from '../base/errors';
import type { SipRequest, SipResponse } from '../sip';
import type { Destination } from '../transport/transport';
import { TransactionBase, type TransactionContext } from './transaction';
import type { ClientTransactionUser } from './transaction-user';

/**
 * Non-INVITE client transaction: RFC 3261 §17.1.2, Figure 6.
 *
 *                                    |Request from TU
 *                                    |send request
 *                Timer E             V
 *                send request  +-----------+
 *                    +---------|           |-------------------+
 *                    |         |  Trying   |  Timer F          |
 *                    +-------->|           |  or Transport Err.|
 *                              +-----------+  inform TU        |
 *                 200-699         |  |                         |
 *                 resp. to TU     |  |1xx                      |
 *                 +---------------+  |resp. to TU              |
 *                 |                  |                         |
 *                 |   Timer E        V       Timer F           |
 *                 |   send req +-----------+ or Transport Err. |
 *                 |  +---------|           | inform TU         |
 *                 |  |         |Proceeding |------------------>|
 *                 |  +-------->|           |-----+             |
 *                 |            +-----------+     |1xx          |
 *                 |              |      ^        |resp to TU   |
 *                 | 200-699      |      +--------+             |
 *                 | resp. to TU  |                             |
 *                 |              |                             |
 *                 |              V                             |
 *                 |            +-----------+                   |
 *                 |            |           |                   |
 *                 |            | Completed |                   |
 *                 |            |           |                   |
 *                 |            +-----------+                   |
 *                 |              ^   |                         |
 *                 |              |   | Timer K                 |
 *                 +--------------+   | -                       |
 *                                    |                         |
 *                                    V                         |
 *              NOTE:               +-----------+               |
 *                                  |           |               |
 *          transitions             | Terminated|<--------------+
 *          labeled with            |           |
 *          the event               +-----------+
 *          over the action
 *          to take
 */
export type NictState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const NICT_NEXT: Readonly<Record<NictState, readonly NictState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class NonInviteClientTransaction extends TransactionBase<NictState> {
  readonly kind = 'nict' as const;
  protected readonly table = NICT_NEXT;
  private interval: number;

  constructor(
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly user: ClientTransactionUser,
    ctx: TransactionContext,
  ) {
    super(`${request.via.branch ?? ''}|${request.method}`, 'trying', ctx);
    this.interval = ctx.timers.E;
  }

  /** Sends the request and starts Timers E and F (§17.1.2.2). */
  start(): void {
    this.send();
    this.entered('trying');
  }

  receiveResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'trying':
      case 'proceeding':
        if (status < 200) {
          // "If a provisional response is received while in the Trying state, the response
          // MUST be passed to the TU, and then the client transaction SHOULD move to Proceeding."
          if (this.state === 'trying') this.enter('proceeding');
          this.user.receiveResponse(response);
        } else {
          // "If a final response (status codes 200-699) is received while in the 'Trying' [or
          // 'Proceeding'] state, the response MUST be passed to the TU, and the client
          // transaction MUST transition to the 'Completed' state."
          // Passed up first: over a reliable transport Timer K is zero and Completed ends at once.
          this.user.receiveResponse(response);
          this.enter('completed');
        }
        return;
      case 'completed':
      case 'terminated':
        // Completed "buffer[s] any additional response retransmissions that may be received".
        return;
    }
  }

  protected entered(state: NictState): void {
    const t = this.ctx.timers;
    switch (state) {
      case 'trying':
        if (!t.isReliable) this.armTimerE();
        this.startTimer('F', t.F, ['trying', 'proceeding'], () => this.terminate(() => this.user.onRequestTimeout?.()));
        return;
      case 'completed':
        // "timer K … T4 seconds for unreliable transports, and zero seconds for reliable".
        if (t.K === 0) this.terminate();
        else this.startTimer('K', t.K, ['completed'], () => this.terminate());
        return;
      case 'proceeding':
      case 'terminated':
        return;
    }
  }

  private armTimerE(): void {
    this.startTimer('E', this.interval, ['trying', 'proceeding'], () => {
      this.send();
      // Trying: "reset the timer with a value of MIN(2*T1, T2)" and doubling, capped at T2;
      // Proceeding: "the timer is reset with a value of T2 seconds".
      this.interval = this.state === 'proceeding' ? this.ctx.timers.t2 : Math.min(2 * this.interval, this.ctx.timers.t2);
      this.armTimerE();
    });
  }

  private send(): void {
    this.transmit(
      () => this.ctx.transport.send(this.request, this.destination),
      (error) => this.failed(error),
    );
  }

  /** §17.1.4: inform the TU and terminate. */
  private failed(error: TransportError): void {
    this.terminate(() => this.user.onTransportError?.(error));
  }

  private terminate(notify?: () => void): void {
    if (this.isTerminated) return;
    this.enter('terminated');
    notify?.();
    this.user.onTerminated?.();
  }
}
