/**
 * Time as the engine sees it. Every timer in the engine (transaction timers A–K, registration
 * refresh, RTP pacing, keep-alives) is scheduled through an injected `Clock`, so tests run in
 * virtual time (`test/support/fake-clock.ts`) and production runs on `systemClock`.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds on a monotonic scale (not wall-clock time). */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for Date headers and history. */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

class SystemClock implements Clock {
  private nextId = 1;
  private readonly live = new Map<number, ReturnType<typeof setTimeout>>();

  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const t = setTimeout(() => {
      this.live.delete(id);
      fn();
    }, Math.max(0, ms));
    this.live.set(id, t);
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.live.get(handle.id);
    if (t !== undefined) {
      clearTimeout(t);
      this.live.delete(handle.id);
    }
  }
}

/** The real clock: `performance.now()` and Node's timers. */
export const systemClock: Clock = new SystemClock();
