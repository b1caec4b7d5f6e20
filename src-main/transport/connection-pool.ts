import type { Clock, TimerHandle } from '../base/clock';
import { flowKey, type Flow } from './transport';

/**
 * Reuse of stream connections (RFC 3261 §18.1.1: "a client SHOULD use the same connection
 * for a request as it used for earlier requests to the same destination"), one per remote
 * protocol:host:port, closed after `idleMs` without traffic. Closing is reported once per
 * connection through `onClosed`, so registrations can refresh on a new flow (RFC 5626 §4.4).
 */
export interface PooledConnection {
  readonly id: string;
  readonly flow: Flow;
  readonly isOpen: boolean;
  readonly lastActivity: number;
  close(reason: string): void;
}

export class ConnectionPool<C extends PooledConnection> {
  private readonly byKey = new Map<string, C>();
  private readonly byIdMap = new Map<string, C>();
  private readonly idleTimers = new Map<string, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    /** 0 disables idle closing. */
    private readonly idleMs: number,
  ) {}

  get size(): number {
    return this.byIdMap.size;
  }

  /** The open connection to a remote flow, if any. */
  get(remote: Pick<Flow, 'protocol' | 'host' | 'port'>): C | undefined {
    const c = this.byKey.get(flowKey(remote));
    return c?.isOpen ? c : undefined;
  }

  byId(id: string): C | undefined {
    const c = this.byIdMap.get(id);
    return c?.isOpen ? c : undefined;
  }

  all(): C[] {
    return [...this.byIdMap.values()];
  }

  /** Adds a connection; a newer connection to the same flow takes over the key. */
  add(connection: C): void {
    this.byIdMap.set(connection.id, connection);
    this.byKey.set(flowKey(connection.flow), connection);
    this.armIdle(connection, this.idleMs);
  }

  /** Forgets a closed connection (call from its close handler). */
  remove(connection: C): void {
    this.byIdMap.delete(connection.id);
    const key = flowKey(connection.flow);
    if (this.byKey.get(key) === connection) this.byKey.delete(key);
    this.clock.clearTimeout(this.idleTimers.get(connection.id));
    this.idleTimers.delete(connection.id);
  }

  closeAll(reason: string): void {
    for (const c of this.all()) c.close(reason);
    for (const t of this.idleTimers.values()) this.clock.clearTimeout(t);
    this.idleTimers.clear();
    this.byIdMap.clear();
    this.byKey.clear();
  }

  private armIdle(connection: C, delay: number): void {
    if (this.idleMs <= 0) return;
    this.idleTimers.set(
      connection.id,
      this.clock.setTimeout(() => {
        this.idleTimers.delete(connection.id);
        if (!this.byIdMap.has(connection.id)) return;
        const quiet = this.clock.now() - connection.lastActivity;
        if (quiet >= this.idleMs) connection.close('idle');
        else this.armIdle(connection, this.idleMs - quiet);
      }, delay),
    );
  }
}
