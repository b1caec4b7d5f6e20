/**
 * RFC 3261 §13.3.1.4: the UAS core, not the transaction, keeps a 2xx to INVITE alive on its
 * way to the caller: "the 2xx response is passed to the transport with an interval that starts
 * at T1 seconds and doubles for each retransmission until it reaches T2 seconds … stops when
 * an ACK request is received … If the server retransmits the 2xx response for 64*T1 seconds
 * without receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated."
 * Over reliable transports the transport does the work, so nothing is retransmitted.
 */
import type { Clock, TimerHandle } from '../../base/clock';

export interface TwoXxRetransmitterOptions {
  readonly clock: Clock;
  readonly reliable: boolean;
  readonly t1?: number;
  readonly t2?: number;
  /** Sends the 2xx again. */
  readonly send: () => void;
  /** No ACK came within 64·T1. */
  readonly onAckTimeout: () => void;
}

export class TwoXxRetransmitter {
  private timer: TimerHandle | undefined;
  private giveUp: TimerHandle | undefined;
  private interval: number;
  private stopped = false;

  constructor(private readonly o: TwoXxRetransmitterOptions) {
    this.interval = o.t1 ?? 500;
    if (!o.reliable) this.arm();
    this.giveUp = o.clock.setTimeout(() => {
      this.stop();
      o.onAckTimeout();
    }, 64 * (o.t1 ?? 500));
  }

  /** The ACK arrived (or the call ended): stop. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.o.clock.clearTimeout(this.timer);
    this.o.clock.clearTimeout(this.giveUp);
    this.timer = this.giveUp = undefined;
  }

  private arm(): void {
    this.timer = this.o.clock.setTimeout(() => {
      if (this.stopped) return;
      this.o.send();
      this.interval = Math.min(2 * this.interval, this.o.t2 ?? 4000);
      this.arm();
    }, this.interval);
  }
}
