import type { Clock, TimerHandle } from '../base/clock';

/**
 * The CRLF keep-alive sender of RFC 5626 §4.4.1: on each flow that needs it, a "\r\n\r\n"
 * ping every interval (drawn between 80 % and 100 % of it, §4.4.1), and if the "\r\n" pong
 * does not come back within `pongTimeoutMs` (10 s in §4.4.1) the flow is declared failed.
 */
export interface KeepAliveTarget {
  /** Sends a ping on the connection; false when it is gone. */
  ping(connectionId: string): boolean;
  /** The flow failed: close it so the owner hears `connectionClosed`. */
  fail(connectionId: string, reason: string): void;
}

interface Entry {
  intervalMs: number;
  timer?: TimerHandle;
  pongTimer?: TimerHandle;
}

export class KeepAliveSender {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly target: KeepAliveTarget,
    private readonly clock: Clock,
    private readonly pongTimeoutMs = 10_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts (or restarts with a new interval) pings on a connection. */
  start(connectionId: string, intervalMs: number): void {
    this.stop(connectionId);
    const entry: Entry = { intervalMs };
    this.entries.set(connectionId, entry);
    this.schedule(connectionId, entry);
  }

  stop(connectionId: string): void {
    const entry = this.entries.get(connectionId);
    if (!entry) return;
    this.clock.clearTimeout(entry.timer);
    this.clock.clearTimeout(entry.pongTimer);
    this.entries.delete(connectionId);
  }

  /** A pong arrived on the connection. */
  pongReceived(connectionId: string): void {
    const entry = this.entries.get(connectionId);
    if (!entry?.pongTimer) return;
    this.clock.clearTimeout(entry.pongTimer);
    delete entry.pongTimer;
  }

  isActive(connectionId: string): boolean {
    return this.entries.has(connectionId);
  }

  dispose(): void {
    for (const id of [...this.entries.keys()]) this.stop(id);
  }

  private schedule(connectionId: string, entry: Entry): void {
    const delay = Math.round(entry.intervalMs * (0.8 + 0.2 * this.random()));
    entry.timer = this.clock.setTimeout(() => {
      delete entry.timer;
      if (!this.target.ping(connectionId)) {
        this.stop(connectionId);
        return;
      }
      if (!entry.pongTimer) {
        entry.pongTimer = this.clock.setTimeout(() => {
          this.stop(connectionId);
          this.target.fail(connectionId, 'keep-alive pong timeout');
        }, this.pongTimeoutMs);
      }
      this.schedule(connectionId, entry);
    }, delay);
  }
}
