/**
 * One offer/answer exchange at a time in a dialog (RFC 3261 §14.1, §14.2; RFC 3311 §5.2):
 * local re-INVITEs (or UPDATE offers) wait in a queue; while one of ours is outstanding, an
 * incoming one gets 491 (Request Pending); while an incoming one is unanswered, a second one
 * gets 500 with Retry-After; a 491 to ours retries it after the §14.1 random delay.
 *
 *                 enqueue / pump, no incoming pending
 *        idle ───────────────────────────────────────► sending
 *         ^  <─────────────────────────────────────────┘  │
 *         │      final response other than 491            │ 491 (§14.1)
 *         │                                               V
 *         └────────────────────── timer fires ─────── backoff
 *                  (sends again as soon as no incoming exchange is pending)
 */
import type { Clock, TimerHandle } from '../base/clock';
import { InvalidStateError } from '../base/errors';
import { nullLogger, type Logger } from '../base/logger';
import { STATUS } from '../sip';

export type ReinviteQueueState = 'idle' | 'sending' | 'backoff';

const QUEUE_NEXT: Readonly<Record<ReinviteQueueState, readonly ReinviteQueueState[]>> = {
  idle: ['sending'],
  sending: ['idle', 'backoff'],
  backoff: ['idle', 'sending'],
};

export interface ReinviteQueueOptions {
  readonly clock: Clock;
  /** We generated the dialog's Call-ID (we sent the INVITE that created it): `dialog.ownsCallId`. */
  readonly ownsCallId: boolean;
  /** Uniform in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Retries after 491 before the 491 is given back (default 5). */
  readonly maxRetries?: number;
  readonly logger?: Logger;
}

/** The answer to an incoming re-INVITE / UPDATE offer. */
export type IncomingAdmission =
  /** Go ahead; call `done()` once the exchange is over (final response sent, or ACK received). */
  | { readonly ok: true; done(): void }
  /** Reject with `status` (491, or 500 with `Retry-After: retryAfter` seconds). */
  | { readonly ok: false; readonly status: number; readonly retryAfter?: number };

/**
 * §14.1: "If the UAC is the owner of the Call-ID of the dialog ID (meaning it generated the
 * value), T has a randomly chosen value between 2.1 and 4 seconds in units of 10 ms. If the UAC
 * is not the owner of the Call-ID of the dialog ID, T has a randomly chosen value of between 0
 * and 2 seconds in units of 10 ms."
 */
export function glareRetryDelay(ownsCallId: boolean, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 0.999999);
  return ownsCallId ? 2100 + 10 * Math.floor(r * 191) : 10 * Math.floor(r * 201);
}

interface Job {
  readonly attempt: () => Promise<{ readonly status: number }>;
  readonly resolve: (r: { readonly status: number }) => void;
  readonly reject: (e: unknown) => void;
  retries: number;
}

export class ReinviteQueue {
  private current: ReinviteQueueState = 'idle';
  private readonly jobs: Job[] = [];
  private incoming = false;
  private retryTimer: TimerHandle | undefined;
  private disposed = false;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly log: Logger;

  constructor(private readonly o: ReinviteQueueOptions) {
    this.random = o.random ?? Math.random;
    this.maxRetries = o.maxRetries ?? 5;
    this.log = (o.logger ?? nullLogger).child('dialog.reinvite');
  }

  get state(): ReinviteQueueState {
    return this.current;
  }

  /** An exchange is outstanding in either direction. */
  get isBusy(): boolean {
    return this.current === 'sending' || this.incoming;
  }

  /** Local exchanges not finished yet (the one outstanding or backing off included). */
  get pending(): number {
    return this.jobs.length;
  }

  /**
   * Runs `attempt` (send a re-INVITE / UPDATE and resolve with its final response) when no other
   * exchange is outstanding; on 491 runs it again after `glareRetryDelay`. Resolves with the last
   * attempt's result; rejects with what the attempt threw, or InvalidStateError after `dispose`.
   */
  enqueue<T extends { readonly status: number }>(attempt: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new InvalidStateError('re-INVITE queue is disposed'));
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ attempt, resolve: resolve as (r: { readonly status: number }) => void, reject, retries: 0 });
      this.pump();
    });
  }

  /** An incoming re-INVITE or UPDATE offer arrived: may it proceed (§14.2, RFC 3311 §5.2)? */
  admitIncoming(): IncomingAdmission {
    if (this.current === 'sending') {
      // §14.2: "If a UA receives a re-INVITE for an existing dialog, it MUST check … If there is
      // an ongoing INVITE client transaction, the UAS MUST return a 491 (Request Pending)".
      return { ok: false, status: STATUS.REQUEST_PENDING };
    }
    if (this.incoming) {
      // §14.2: "… MUST return a 500 (Server Internal Error) response to the second INVITE and
      // MUST include a Retry-After header field with a randomly chosen value of between 0 and
      // 10 seconds."
      return { ok: false, status: STATUS.SERVER_INTERNAL_ERROR, retryAfter: Math.floor(this.random() * 11) };
    }
    this.incoming = true;
    let finished = false;
    return {
      ok: true,
      done: () => {
        if (finished) return;
        finished = true;
        this.incoming = false;
        this.pump();
      },
    };
  }

  /** Cancels the retry timer and rejects every queued exchange; idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.o.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const jobs = this.jobs.splice(0);
    for (const j of jobs) j.reject(new InvalidStateError('re-INVITE queue is disposed'));
  }

  private pump(): void {
    if (this.disposed || this.current === 'sending' || this.retryTimer !== undefined || this.incoming) return;
    const job = this.jobs[0];
    if (!job) {
      if (this.current !== 'idle') this.enter('idle');
      return;
    }
    this.enter('sending');
    let run: Promise<{ readonly status: number }>;
    try {
      run = job.attempt();
    } catch (error) {
      run = Promise.reject(error);
    }
    run.then(
      (result) => this.finished(job, result),
      (error: unknown) => {
        if (this.disposed) return;
        this.jobs.shift();
        this.enter('idle');
        job.reject(error);
        this.pump();
      },
    );
  }

  private finished(job: Job, result: { readonly status: number }): void {
    if (this.disposed) return;
    if (result.status === STATUS.REQUEST_PENDING && job.retries < this.maxRetries) {
      job.retries++;
      const delay = glareRetryDelay(this.o.ownsCallId, this.random);
      this.log.info('491: retrying', { inMs: delay, retry: job.retries });
      this.enter('backoff');
      this.retryTimer = this.o.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.pump();
      }, delay);
      return;
    }
    this.jobs.shift();
    this.enter('idle');
    job.resolve(result);
    this.pump();
  }

  private enter(next: ReinviteQueueState): void {
    const from = this.current;
    if (from === next) return;
    if (!QUEUE_NEXT[from].includes(next)) throw new InvalidStateError(`re-INVITE queue: ${from} -> ${next} is not a valid transition`);
    this.current = next;
    this.log.debug(`${from} -> ${next}`);
  }
}
