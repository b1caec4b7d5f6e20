/**
 * The headless face of Parley: the same engine as the desktop app, driven from a shell.
 * `npm run cli -- <command> [options]` or the `parley` bin.
 */
import { runCli } from './run-cli';

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
});
process.exitCode = code;
