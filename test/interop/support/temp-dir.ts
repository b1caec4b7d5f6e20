/**
 * Fresh per-run directories for interop fixtures, under the OS temp dir. Removed on dispose
 * unless PARLEY_KEEP_INTEROP=1 (then the path is printed so logs and recordings can be read).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeRunDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `parley-${prefix}-`));
}

export function removeRunDir(dir: string): void {
  if (process.env['PARLEY_KEEP_INTEROP'] === '1') {
    console.log(`interop: kept ${dir}`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}
