/**
 * baresip's ctrl_tcp client: netstring-framed JSON ("<len>:<json>,"). Commands carry a token and
 * get one response each; events (registration, call progress) arrive unsolicited and are kept
 * so a test can wait for one that already happened.
 */
import { connect, type Socket } from 'node:net';

export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly accountaor?: string;
  readonly direction?: string;
  readonly peeruri?: string;
  readonly param?: string;
  readonly id?: string;
  readonly [key: string]: unknown;
}

export interface BaresipResponse {
  readonly ok: boolean;
  readonly data: string;
}

export class BaresipControl {
  readonly events: BaresipEvent[] = [];
  private buffer = Buffer.alloc(0);
  private nextToken = 1;
  private readonly pending = new Map<string, (r: BaresipResponse) => void>();
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
  }

  static connect(port: number): Promise<BaresipControl> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve(new BaresipControl(socket));
      });
      socket.once('error', reject);
    });
  }

  command(command: string, params?: string, timeoutMs = 5000): Promise<BaresipResponse> {
    const token = String(this.nextToken++);
    const body = JSON.stringify({ command, ...(params === undefined ? {} : { params }), token });
    const len = Buffer.byteLength(body);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip: no response to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.socket.write(`${len}:${body},`);
    });
  }

  /** First event (at index >= `from`) matching `match`, waiting up to `timeoutMs`. */
  waitForEvent(match: (e: BaresipEvent) => boolean, timeoutMs: number, from = 0): Promise<BaresipEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.slice(from).find(match);
        if (found === undefined) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.events.slice(from).map((e) => e.type).join(', ');
        reject(new Error(`baresip: event not seen within ${timeoutMs} ms (seen: ${seen || 'none'})`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => void check();
      if (!check()) this.waiters.add(waiter);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const colon = this.buffer.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(this.buffer.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len) || this.buffer.length < colon + 1 + len + 1) return;
      const json = this.buffer.subarray(colon + 1, colon + 1 + len).toString('utf8');
      this.buffer = this.buffer.subarray(colon + 1 + len + 1);
      this.onMessage(json);
    }
  }

  private onMessage(json: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(json) as Record<string, unknown>;
    } catch {
      return;
    }
    if (msg['response'] === true) {
      const token = typeof msg['token'] === 'string' ? msg['token'] : '';
      this.pending.get(token)?.({ ok: msg['ok'] === true, data: typeof msg['data'] === 'string' ? msg['data'] : '' });
      this.pending.delete(token);
    } else if (msg['event'] === true) {
      this.events.push(msg as unknown as BaresipEvent);
      for (const w of [...this.waiters]) w();
    }
  }
}
