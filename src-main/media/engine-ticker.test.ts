import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
import type { Clock, TimerHandle } from '../base/clock';
import { EngineTicker } from './engine-ticker';

/** A fake clock whose timers fire `lateMs()` after they are due (a busy event loop). */
class LateClock implements Clock {
  constructor(
    readonly inner: FakeClock,
    private readonly lateMs: () => number,
  ) {}
  now(): number {
    return this.inner.now();
  }
  wallNow(): number {
    return this.inner.wallNow();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.inner.setTimeout(fn, ms + this.lateMs());
  }
  clearTimeout(h: TimerHandle | undefined): void {
    this.inner.clearTimeout(h);
  }
}

describe('EngineTicker', () => {
  it('ticks every 20 ms of the clock and stops cleanly', () => {
    const clock = new FakeClock();
    let n = 0;
    const t = new EngineTicker({ clock }, () => n++);
    t.start();
    clock.advance(1000);
    expect(n).toBe(50);
    expect(t.stats().missed).toBe(0);
    t.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('does not drift when every timer fires 7 ms late (due times are start + n·20)', () => {
    const inner = new FakeClock();
    let n = 0;
    const t = new EngineTicker({ clock: new LateClock(inner, () => 7) }, () => n++);
    t.start();
    inner.advance(10_000);
    // A chain of plain 20 ms timeouts would have run 10000 / 27 ≈ 370 times.
    expect(n).toBeGreaterThanOrEqual(499);
    expect(t.stats().missed).toBe(0);
    expect(t.stats().maxLateMs).toBeCloseTo(7, 5);
    t.stop();
  });

  it('after a 200 ms stall runs at most 3 catch-up ticks, skips the rest, and counts ≥ 9 missed deadlines', () => {
    const inner = new FakeClock();
    let stall = false;
    let n = 0;
    const t = new EngineTicker({ clock: new LateClock(inner, () => (stall ? 200 : 0)) }, () => n++);
    t.start();
    inner.advance(100);
    stall = true;
    const before = n;
    inner.advance(21); // the tick at 120 ms schedules the next one 200 ms late (340 ms, not 140)
    stall = false;
    inner.advance(219); // to 340 ms: 10 ticks fell due meanwhile

    const s = t.stats();
    expect(s.missed).toBeGreaterThanOrEqual(9);
    expect(s.skipped).toBeGreaterThanOrEqual(6);
    // 10 ticks fell due in the stall; 3 ran back to back when it ended, then one every 20 ms.
    expect(n - before).toBe(1 + 3);
    t.stop();
    expect(inner.pendingTimers()).toBe(0);
  });

  it('ticks on the shared grid (whole periods of the clock, plus offsetMs) whenever it starts', () => {
    const clock = new FakeClock();
    clock.advance(7);
    const at: number[] = [];
    const producer = new EngineTicker({ clock }, () => at.push(clock.now()));
    clock.advance(6); // started 13 ms into a period
    const consumer = new EngineTicker({ clock, offsetMs: 10 }, () => at.push(-clock.now()));
    producer.start();
    consumer.start();
    clock.advance(60);
    producer.stop();
    consumer.stop();
    expect(at).toEqual([20, -30, 40, -50, 60, -70]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
