/**
 * Runs Parley's CLI as a child process (the way a user's script would), collecting its output
 * and exit code, bounded by a timeout.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliProcess {
  readonly result: Promise<CliRun>;
  readonly pid: number | undefined;
  /** Text written to stdout so far. */
  stdout(): string;
  /** Text written to stderr so far. */
  stderr(): string;
  /** Writes to the CLI's standard input (started with `stdin: true`; `shell` reads it). */
  write(text: string): void;
  /** Closes its standard input. */
  end(): void;
  /** The exit code once it has exited, else undefined. */
  exitCode(): number | null | undefined;
  kill(signal?: NodeJS.Signals): void;
}

export interface StartCliOptions {
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Give it a standard input to write to (default: none). */
  readonly stdin?: boolean;
}

export function startCli(args: readonly string[], opts: StartCliOptions = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src-main/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const result = new Promise<CliRun>((resolveRun) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout: out, stderr: err });
    });
  });
  return {
    result,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    write: (text) => child.stdin?.write(text),
    end: () => child.stdin?.end(),
    exitCode: () => (child.exitCode === null && child.signalCode === null ? undefined : child.exitCode),
    kill: (s = 'SIGTERM') => child.kill(s),
  };
}

export function runCli(args: readonly string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> {
  return startCli(args, opts).result;
}

/** One JSON event line of `parley shell` (or any command with --json); fields vary by event. */
export interface CliEvent {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** The JSON events a CLI with --json printed so far (every stdout line must be one). */
export function cliEvents<E extends CliEvent = CliEvent>(cli: CliProcess): E[] {
  return cli.stdout().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as E);
}

/**
 * Waits (polling, 20 s at most) for the first event from index `from` on that `pred` accepts;
 * throws with the CLI's output when it exits or the time runs out first.
 */
export async function waitForCliEvent<E extends CliEvent>(cli: CliProcess, what: string, pred: (e: E) => boolean, from = 0): Promise<E> {
  const end = Date.now() + 20_000;
  for (;;) {
    const hit = cliEvents<E>(cli).slice(from).find(pred);
    if (hit) return hit;
    if (Date.now() > end || cli.exitCode() !== undefined) throw new Error(`parley: no ${what}\n${cli.stdout()}\n${cli.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ends a `parley shell` session the way a script does: `hangup`, wait for `call.ended`, `quit`,
 * end of input; resolves with the run, having checked exit 0 and that no `device.error` came.
 */
export async function hangUpAndQuit(cli: CliProcess): Promise<CliRun> {
  cli.write('hangup\n');
  await waitForCliEvent(cli, 'the call to end', (e) => e.event === 'call.ended');
  cli.write('quit\n');
  cli.end();
  const run = await cli.result;
  if (run.code !== 0) throw new Error(`parley shell exited ${run.code}\n${run.stderr}`);
  const deviceErrors = cliEvents(cli).filter((e) => e.event === 'device.error');
  if (deviceErrors.length > 0) throw new Error(`device errors: ${JSON.stringify(deviceErrors)}`);
  return run;
}
