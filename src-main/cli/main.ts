/**
 * The headless face of Parley: the same engine as the desktop app, driven from a shell.
 * `npm run cli -- <command> [options]` or the `parley` bin.
 */
import { createInterface } from 'node:readline';
import { runCli } from './run-cli';
import { needsStdoutGuard, runGuarded } from './stdout-guard';

const argv = process.argv.slice(2);
// JSON on stdout with a sound card: run once more behind a filter (naudiodon prints to fd 1).
if (needsStdoutGuard(argv, process.env)) process.exit(await runGuarded(argv));

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

// Standard input is read only by `shell`, so other commands leave it alone.
const lines = () => createInterface({ input: process.stdin, terminal: false });
const code = await runCli(argv, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  interrupted,
  lines,
});
process.exit(code);
