// `npm start`: builds and launches the Electron app. Where the Electron binary is missing
// (its download is blocked on build machines) it says so in one paragraph and exits 1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let electronPath = null;
try {
  const p = require('electron');
  if (typeof p === 'string' && existsSync(p)) electronPath = p;
} catch {
  electronPath = null;
}

if (!electronPath) {
  process.stderr.write(
    'Parley cannot start its desktop window: the Electron binary is not installed on this machine ' +
      '(its download step is blocked or was not approved, so node_modules/electron has no binary). ' +
      'The engine itself runs without Electron: use the command line with `npm run cli -- --help`, ' +
      'or the browser face with `npm run web`. To get the desktop app, install Electron where its ' +
      'download is allowed (`npm install-scripts approve electron && npm rebuild electron`) and run `npm start` again.\n',
  );
  process.exit(1);
}

const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(electronPath, ['.'], { stdio: 'inherit' });
process.exit(run.status ?? 0);
