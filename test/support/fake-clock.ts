import type { Clock, TimerHandle } from '../../src-main/base/clock';

interface Scheduled {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A virtual clock: timers fire only when the test calls `advance(ms)`, in due order (ties in
 * the order they were scheduled). Tests end with `expect(clock.pendingTimers()).toBe(0)`.
 */
export class FakeClock implements Clock {
  private t: number;
  private readonly wallBase: number;
  private nextId = 1;
  private seq = 0;
  private readonly timers = new Map<number, Scheduled>();

  constructor(start = 0, wallBase = Date.UTC(2026, 0, 1)) {
    this.t = start;
    this.wallBase = wallBase;
  }

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.wallBase + this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), seq: this.seq++, fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.timers.delete(next.id);
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }

  /**
   * Like `advance`, but lets promise continuations run after every timer (and before the
   * first), so async code driven by the timers (an awaited transaction outcome) keeps pace.
   */
  async tick(ms = 0): Promise<void> {
    const end = this.t + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.timers.delete(next.id);
      this.t = next.at;
      next.fn();
      await flushMicrotasks();
    }
    this.t = end;
    await flushMicrotasks();
  }

  /** Fires timers until none are left or `limitMs` of virtual time has passed. */
  runAll(limitMs = 3_600_000): void {
    const end = this.t + limitMs;
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > end) break;
      this.timers.delete(next.id);
      this.t = next.at;
      next.fn();
    }
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Milliseconds until the next timer fires, or undefined when none is pending. */
  nextDelay(): number | undefined {
    const next = this.earliest();
    return next ? next.at - this.t : undefined;
  }

  private earliest(): Scheduled | undefined {
    let best: Scheduled | undefined;
    for (const s of this.timers.values()) {
      if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) best = s;
    }
    return best;
  }
}

/** Lets every queued promise continuation run (one macrotask turn). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
