import type { Flow, LocalAddress } from '../../src-main/transport/transport';

/**
 * Collects inbound messages of a real-socket test and lets it await the next one.
 * (Test helper; kept beside the transport tests that share it.)
 */
export interface Received {
  readonly text: string;
  readonly source: Flow;
  readonly local: LocalAddress;
}

export class Inbox {
  readonly all: Received[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  readonly onMessage = (bytes: Uint8Array, source: Flow, local: LocalAddress): void => {
    this.all.push({ text: Buffer.from(bytes).toString('utf8'), source, local });
    this.waiters = this.waiters.filter((w) => {
      if (this.all.length >= w.count) w.resolve();
      return this.all.length < w.count;
    });
  };

  /** Resolves with the n-th message (1-based) once it has arrived. */
  async nth(n: number, timeoutMs = 5000): Promise<Received> {
    if (this.all.length < n) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for message ${n}`)), timeoutMs);
        this.waiters.push({ count: n, resolve: () => (clearTimeout(t), resolve()) });
      });
    }
    return this.all[n - 1]!;
  }
}

/** Resolves when `predicate` holds, polling the event loop (real sockets only). */
export async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}
