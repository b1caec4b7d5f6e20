/**
 * Keeps `--json` output pure JSON lines when a sound card is used. naudiodon's native code
 * printf()s to standard output whenever it opens a stream ("PortAudio V19…", "Input audio
 * options…") or sees an xrun, from the media worker's thread, straight to file descriptor 1, which
 * JavaScript cannot redirect. So the CLI runs itself once more as a child whose standard output
 * is a pipe: JSON lines go on to our standard output, anything else to standard error.
 * Standard input and error are shared and the child's exit code is ours. Ctrl-C reaches both
 * processes through the terminal's process group, so SIGINT is not passed on (a second SIGINT
 * would cut the child's graceful hang-up short); SIGTERM and SIGHUP, sent to this process
 * alone, are.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Set in the child, so it does not guard itself again. */
export const GUARDED_ENV = 'PARLEY_STDOUT_GUARDED';

/** Whether these arguments produce JSON on stdout and open a sound card. */
export function needsStdoutGuard(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  if (env[GUARDED_ENV]) return false;
  const json = argv.includes('--json') || argv[0] === 'shell';
  const soundCard = argv.some((a) => a === '--audio-in' || a === '--audio-out' || a.startsWith('--audio-in=') || a.startsWith('--audio-out='));
  return json && soundCard;
}

/** Runs this CLI again as a child with its stdout filtered (see the header); resolves with its exit code. */
export function runGuarded(argv: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    stdio: ['inherit', 'pipe', 'inherit'],
    env: { ...process.env, [GUARDED_ENV]: '1' },
  });
  const lines = createInterface({ input: child.stdout, terminal: false });
  lines.on('line', (line) => {
    if (line.startsWith('{')) process.stdout.write(`${line}\n`);
    else process.stderr.write(`${line}\n`);
  });
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`parley: cannot start the CLI: ${err.message}\n`);
      resolve(2);
    });
    child.on('close', (code) => resolve(code ?? 2));
  });
}
