// `npm test`: type checks, lint and layer rules, then the tests in two phases — the fast
// in-process ones (unit, renderer) in parallel, then those against real peers and the browser
// (realtime, interop, e2e) one file at a time so their timing is not starved by the first phase.
// Ends with one summary line "N passed, N failed, N skipped" and a non-zero exit on any failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'parley-tests-'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const totals = { passed: 0, failed: 0, skipped: 0 };
let failedStep = null;

function step(name, cmd, args) {
  const started = Date.now();
  process.stdout.write(`\n== ${name} ==\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  process.stdout.write(`== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s ==\n`);
  if (r.status !== 0 && !failedStep) failedStep = name;
  return r.status === 0;
}

function vitest(name, projects, extra = []) {
  const out = join(dir, `${name}.json`);
  const args = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p]), ...extra, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];
  step(`tests: ${name}`, npx, args);
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  } catch {
    totals.failed += 1; // no report: the run itself broke
  }
}

const checks = step('type check', 'npm', ['run', '-s', 'typecheck']) && step('lint and layers', 'npm', ['run', '-s', 'lint']);
if (checks) {
  vitest('unit', ['unit', 'renderer']);
  // One file at a time across all three projects (projects would otherwise run side by side).
  vitest('real time, interop and browser', ['realtime', 'interop', 'e2e'], ['--no-file-parallelism']);
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
if (failedStep) process.stdout.write(`first failing step: ${failedStep}\n`);
process.exit(failedStep || totals.failed > 0 ? 1 : 0);
