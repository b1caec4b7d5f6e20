/** Finding the peers' executables (PATH plus the sbin dirs, where Debian puts kamailio). */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SEARCH_DIRS = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable (PATH plus the sbin dirs, where Debian puts kamailio), or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of SEARCH_DIRS) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Like findBinary, but throws when the executable is missing. */
export function binary(name: string): string {
  const path = findBinary(name);
  if (path === undefined) throw new Error(`interop: ${name} not found; install with: sudo bash test/interop/install-peers.sh`);
  return path;
}

