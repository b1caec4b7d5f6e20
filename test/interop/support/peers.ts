/**
 * Which real peers exist on this machine, and the `describe` every interop test file uses:
 * with all its peers present it is Vitest's describe; with one missing it prints one line and
 * skips, or — under PARLEY_REQUIRE_INTEROP=1 (CI) — fails naming what is missing. It also prints
 * the log tails of the peers involved whenever a test fails.
 */
import { beforeEach, describe, it } from 'vitest';
import { findBinary } from './binaries';
import { processTails } from './managed-process';

export { binary, findBinary } from './binaries';

/** Peer → binaries it needs. */
const PEERS = {
  kamailio: ['kamailio', 'kamcmd'],
  baresip: ['baresip'],
  sipp: ['sipp'],
  pulseaudio: ['pulseaudio', 'pactl', 'paplay', 'parec'],
  'espeak-ng': ['espeak-ng'],
  sox: ['sox', 'soxi'],
  openssl: ['openssl'],
  chromium: ['chromium'],
} as const;
export type Peer = keyof typeof PEERS;

/** Binaries missing for the given peers. */
export function missingPeers(peers: readonly Peer[]): string[] {
  return [...new Set(peers.flatMap((p) => PEERS[p]))].filter((b) => findBinary(b) === undefined);
}

const printed = new Set<string>();
type DescribeLike = (name: string, fn: () => void) => void;

/** `describe` for an interop suite that needs `peers` (see the file comment). */
export function interopDescribe(peers: readonly Peer[]): DescribeLike {
  const missing = missingPeers(peers);
  const printLogsOnFailure = (): void => {
    beforeEach((ctx) => {
      const started = Date.now();
      ctx.onTestFailed(() => {
        const tails = processTails(started);
        if (tails) console.log(`interop: peer logs for failed test "${ctx.task.name}"\n${tails}`);
      });
    });
  };
  if (missing.length === 0) {
    return (name, fn) => describe(name, () => {
      printLogsOnFailure();
      fn();
    });
  }
  const line = `missing ${missing.join(', ')}; install with: sudo bash test/interop/install-peers.sh`;
  if (process.env['PARLEY_REQUIRE_INTEROP'] === '1') {
    return (name) => describe(name, () => {
      it(`has its interop peers (${peers.join(', ')})`, () => {
        throw new Error(`interop: required (PARLEY_REQUIRE_INTEROP=1) but ${line}`);
      });
    });
  }
  if (!printed.has(line)) console.log(`interop: skipped — ${line}`);
  printed.add(line);
  return (name, fn) => describe.skip(name, fn);
}
