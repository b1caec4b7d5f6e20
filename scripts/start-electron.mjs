// `npm start`: builds and launches the Electron app. Where the Electron binary is missing
// (its download is blocked on build machines) it says so in one paragraph and exits 1.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Finds the Electron executable without `require('electron')`: since Electron 45 that call
 * tries to download the binary on first use and fails with a stack trace where there is no
 * network. Mirrors node_modules/electron/index.js: path.txt names the file inside dist/.
 */
function findElectron() {
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist');
  const full = join(distDir, rel);
  return existsSync(full) ? full : null;
}

const electronPath = findElectron();

if (!electronPath) {
  process.stderr.write(
    'Parley cannot start its desktop window: the Electron binary is not installed on this machine ' +
      '(its download step is blocked or was not approved, so node_modules/electron has no binary). ' +
      'The engine itself runs without Electron: use the command line with `npm run cli -- --help`, ' +
      'or the browser face with `npm run web`. To get the desktop app, install Electron where its ' +
      'download is allowed (`npx install-electron`) and run `npm start` again.\n',
  );
  process.exit(1);
}

const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const run = spawnSync(electronPath, ['.'], { stdio: 'inherit' });
process.exit(run.status ?? 0);
