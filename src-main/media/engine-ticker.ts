/**
 * The engine's 20 ms heartbeat on an injected `Clock`: ticks are due at `origin + n · period`, so
 * a timer that fires late does not push later ticks back (no drift, unlike a chain of plain
 * 20 ms timeouts). A late wake-up runs the ticks that fell due, up to `maxCatchUp` at once (the
 * rest are skipped, counted as missed: sending a burst of stale audio helps nobody).
 *
 * Ticks fall on whole multiples of the period on the clock's scale (not `start + n · period`
 * from an arbitrary start): every ticker of a process — the engine's, a file or null device's —
 * fires at the same instants, so they share one wake-up of the event loop instead of each
 * costing its own (on a VM a wake-up costs more than a call's media work).
 *
 * It also measures the deadline health the isolation work needs (ARCHITECTURE.md, "the audio
 * path has deadlines every 20 ms"): how late each tick ran, and how many ticks ran more than
 * `missAfterMs` after their due time or were skipped.
 */
import type { Clock, TimerHandle } from '../base/clock';

export interface TickerStats {
  readonly ticks: number;
  /** Ticks that ran more than `missAfterMs` late, plus ticks skipped. */
  readonly missed: number;
  readonly skipped: number;
  readonly maxLateMs: number;
  /** Mean lateness of the ticks run, ms. */
  readonly meanLateMs: number;
}

export interface EngineTickerOptions {
  readonly clock: Clock;
  readonly periodMs?: number;
  /** A tick this late counts as a missed deadline (default: one period). */
  readonly missAfterMs?: number;
  /** Most ticks run back to back after a stall (default 3). */
  readonly maxCatchUp?: number;
  /**
   * Where in the period the ticks fall, ms after the grid (default 0). A consumer of what
   * grid-aligned producers make (a clocked file speaker) ticks half a period later, so the
   * frame of the same instant is always there before it is taken, never sometimes after.
   */
  readonly offsetMs?: number;
}

export class EngineTicker {
  private readonly clock: Clock;
  private readonly period: number;
  private readonly missAfter: number;
  private readonly maxCatchUp: number;
  private readonly offset: number;
  private handle: TimerHandle | undefined;
  private startAt = 0;
  private n = 0;
  private counts = { ticks: 0, missed: 0, skipped: 0, maxLateMs: 0, lateSum: 0 };
  /** Made once, so scheduling a tick allocates no closure. */
  private readonly fireBound = (): void => this.fire();

  constructor(
    options: EngineTickerOptions,
    private readonly onTick: () => void,
  ) {
    this.clock = options.clock;
    this.period = options.periodMs ?? 20;
    this.missAfter = options.missAfterMs ?? this.period;
    this.maxCatchUp = options.maxCatchUp ?? 3;
    this.offset = options.offsetMs ?? 0;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  start(): void {
    if (this.handle) return;
    this.startAt = Math.floor((this.clock.now() - this.offset) / this.period) * this.period + this.offset;
    this.n = 0;
    this.schedule();
  }

  stop(): void {
    this.clock.clearTimeout(this.handle);
    this.handle = undefined;
  }

  stats(): TickerStats {
    const c = this.counts;
    return { ticks: c.ticks, missed: c.missed, skipped: c.skipped, maxLateMs: c.maxLateMs, meanLateMs: c.ticks > 0 ? c.lateSum / c.ticks : 0 };
  }

  resetStats(): void {
    this.counts = { ticks: 0, missed: 0, skipped: 0, maxLateMs: 0, lateSum: 0 };
  }

  private schedule(): void {
    const due = this.startAt + (this.n + 1) * this.period;
    this.handle = this.clock.setTimeout(this.fireBound, due - this.clock.now());
  }

  private fire(): void {
    const now = this.clock.now();
    const c = this.counts;
    let due = Math.floor((now - this.startAt) / this.period) - this.n;
    if (due > this.maxCatchUp) {
      const skip = due - this.maxCatchUp;
      this.n += skip;
      c.skipped += skip;
      c.missed += skip;
      due = this.maxCatchUp;
    }
    for (let i = 0; i < Math.max(1, due) && this.handle; i++) {
      this.n++;
      const late = now - (this.startAt + this.n * this.period);
      c.ticks++;
      c.lateSum += late > 0 ? late : 0;
      if (late > c.maxLateMs) c.maxLateMs = late;
      if (late > this.missAfter) c.missed++;
      this.onTick();
    }
    if (this.handle) this.schedule();
  }
}
