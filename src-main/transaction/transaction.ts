import type { Clock, TimerHandle } from '../base/clock';
import { InvalidStateError, TransportError } from '../base/errors';
import type { Logger } from '../base/logger';
import type { SipMessage, SipResponse } from '../sip';
import type { Destination, Flow } from '../transport/transport';
import type { TransactionTimers } from './timers';

/**
 * What the four transaction state machines share: the injected clock and timers, timers that
 * live only in named states, and one `enter(next)` that checks the move against the class's
 * transition table (STYLE.md §3.3), cancels the timers that do not live in the next state,
 * logs `calling -> proceeding`, and tells the owner (the transaction layer) about the change.
 */

/** The part of the transport layer a transaction uses (transport/transport-layer.ts). */
export interface TransactionTransport {
  send(message: SipMessage, dest: Destination): Promise<void>;
  sendResponse(response: SipResponse, requestFlow: Flow): Promise<void>;
}

export interface TransactionContext {
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly transport: TransactionTransport;
  readonly logger: Logger;
  /** Called on every state change; the layer forgets the transaction on 'terminated'. */
  readonly onStateChange?: (transaction: AnyTransaction, from: string, to: string) => void;
}

/** Structural view of any of the four transactions, for the layer's bookkeeping. */
export interface AnyTransaction {
  readonly kind: 'ict' | 'nict' | 'ist' | 'nist';
  readonly id: string;
  readonly state: string;
  dispose(): void;
}

export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M' | 'trying';

interface LiveTimer<S> {
  handle: TimerHandle;
  states: readonly S[];
}

export abstract class TransactionBase<S extends string> implements AnyTransaction {
  abstract readonly kind: 'ict' | 'nict' | 'ist' | 'nist';
  protected abstract readonly table: Readonly<Record<S, readonly S[]>>;
  private current: S;
  private readonly live = new Map<TimerName, LiveTimer<S>>();

  protected constructor(
    readonly id: string,
    initial: S,
    protected readonly ctx: TransactionContext,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  get isTerminated(): boolean {
    return this.current === ('terminated' as S);
  }

  /** Cancels every timer and terminates without telling the TU anything; idempotent. */
  dispose(): void {
    if (this.isTerminated) return;
    this.enter('terminated' as S);
  }

  /** The one way to change state (STYLE.md §3.3). */
  protected enter(next: S): void {
    const from = this.current;
    if (!this.table[from].includes(next)) {
      throw new InvalidStateError(`${this.kind} ${this.id}: ${from} -> ${next} is not a valid transition`);
    }
    this.current = next;
    for (const [name, t] of this.live) {
      if (!t.states.includes(next)) {
        this.ctx.clock.clearTimeout(t.handle);
        this.live.delete(name);
      }
    }
    this.ctx.logger.debug(`${from} -> ${next}`, { id: this.id });
    this.ctx.onStateChange?.(this, from, next);
    this.entered(next, from);
  }

  /** Starts the new state's timers and actions. */
  protected abstract entered(state: S, from: S): void;

  /** Starts (or restarts) a timer that is cancelled on entering any state not in `states`. */
  protected startTimer(name: TimerName, ms: number, states: readonly S[], fire: () => void): void {
    this.stopTimer(name);
    const handle = this.ctx.clock.setTimeout(() => {
      this.live.delete(name);
      this.guard(`timer ${name}`, fire);
    }, ms);
    this.live.set(name, { handle, states });
  }

  protected stopTimer(name: TimerName): void {
    const t = this.live.get(name);
    if (!t) return;
    this.ctx.clock.clearTimeout(t.handle);
    this.live.delete(name);
  }

  /** Sends and routes a transport failure to `onError` (RFC 3261 §17.1.4, §17.2.4). */
  protected transmit(send: () => Promise<void>, onError: (error: TransportError) => void): void {
    let p: Promise<void>;
    try {
      p = send();
    } catch (error) {
      p = Promise.reject(error);
    }
    p.catch((error: unknown) => {
      if (this.isTerminated) return;
      const e = error instanceof TransportError ? error : new TransportError('transport.unreachable', String(error), { cause: error });
      this.ctx.logger.info('transport error', { id: this.id, code: e.code, error: e.message });
      this.guard('transport error', () => onError(e));
    });
  }

  /** Runs a step whose TU callbacks might throw: a TU bug is logged, never fatal to timers. */
  protected guard(what: string, step: () => void): void {
    try {
      step();
    } catch (error) {
      this.ctx.logger.error('TU callback failed', { id: this.id, step: what, error: String(error) });
    }
  }
}
