/**
 * A child process owned by an interop fixture: output goes straight to a log file, its PID is
 * recorded, readiness is awaited by polling the log, and it is stopped by PID (SIGTERM, then
 * SIGKILL after a grace period). Every live process is killed when the test worker exits, so an
 * aborted run leaves no peer behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

const live = new Set<ManagedProcess>();
/** Log tails of processes that ended, captured before their run dir is removed (newest last). */
const ended: { at: number; text: string }[] = [];
process.on('exit', () => {
  for (const p of live) p.killNow();
});

/** Log tails of every process still running and of those that ended since `sinceMs`. */
export function processTails(sinceMs: number, lines = 40): string {
  const gone = ended.filter((e) => e.at >= sinceMs).map((e) => e.text);
  return [...gone, ...[...live].map((p) => p.describe(lines))].join('\n');
}

export interface StartProcessOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where stdout and stderr are written (appended). */
  readonly logPath: string;
  /**
   * Run in its own process group (for servers that fork workers, like Kamailio): SIGTERM goes to
   * the main process, which stops its workers; SIGKILL and the final clean-up go to the group.
   */
  readonly processGroup?: boolean;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined or time runs out. */
export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => T | undefined | Promise<T | undefined>,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export class ManagedProcess {
  readonly pid: number;
  /** Resolves with the exit code (or null when killed by a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private running = true;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly options: StartProcessOptions,
  ) {
    const fd = openSync(options.logPath, 'a');
    try {
      this.child = spawn(command, [...args], {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', fd, fd],
        detached: options.processGroup === true,
      });
    } finally {
      closeSync(fd);
    }
    if (this.child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    this.pid = this.child.pid;
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.running = false;
        this.killGroup();
        live.delete(this);
        ended.push({ at: Date.now(), text: `${this.describe(40)}\n(exit ${code ?? signal})` });
        if (ended.length > 20) ended.shift();
        resolve(code);
      });
      this.child.on('error', () => {
        this.running = false;
        live.delete(this);
        resolve(null);
      });
    });
  }

  isRunning(): boolean {
    return this.running;
  }

  log(): string {
    try {
      return readFileSync(this.options.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  tail(lines = 40): string {
    return this.log().split('\n').slice(-lines).join('\n');
  }

  describe(lines = 40): string {
    return `--- ${this.name} (pid ${this.pid}, log ${this.options.logPath}) last ${lines} lines ---\n${this.tail(lines)}`;
  }

  /** Waits until the log matches `pattern` (searching from `fromOffset` characters). */
  async waitForLog(pattern: RegExp, timeoutMs: number, fromOffset = 0): Promise<RegExpMatchArray> {
    try {
      return await pollUntil(`${this.name} log ${String(pattern)}`, timeoutMs, () => {
        const m = this.log().slice(fromOffset).match(pattern);
        if (m) return m;
        if (!this.running) throw new Error(`${this.name} exited while waiting for ${String(pattern)}`);
        return undefined;
      });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.describe()}`, { cause: e });
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; idempotent. */
  stop(graceMs = 3000): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.running) return;
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.killNow(), graceMs);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.stopping;
  }

  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
    this.killGroup();
  }

  private killGroup(): void {
    if (this.options.processGroup !== true) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // the group is already gone
    }
  }
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: StartProcessOptions,
): ManagedProcess {
  return new ManagedProcess(name, command, args, options);
}
