/**
 * SIP parser benchmark: parse each corpus message and read its routing fields (From/To tags,
 * every Via branch, CSeq, Call-ID, first Contact URI) with Parley, SIP.js, JsSIP and the `sip`
 * package. All parsers must agree on every field before timing starts. A floor splits the same
 * bytes into lines. Goal: Parley ≥ 2× the fastest peer.
 *
 * Parley is measured as production runs it: `src-main/sip` is bundled with esbuild (as
 * electron-vite/rollup bundle the app) into a temporary .mjs that this file imports. Set
 * SIP_BENCH_SOURCE=1 to measure the TypeScript sources as loaded by tsx instead (as the CLI runs).
 * Parsers run interleaved in short slices, round after round, so load from other processes hits
 * all of them alike; the figures are medians over rounds, and the ratio is the median of the
 * per-round ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Parser as SipJsParser } from 'sip.js/lib/core/messages/parser.js';
import type * as SipApi from '../src-main/sip/index';
import { CORPUS } from './sip-corpus';
import { fmt, table } from './measure';

export const title = 'SIP parser: parse + read routing headers';

type Sip = typeof SipApi;

const require = createRequire(import.meta.url);
const JsSipParser = require('jssip/lib/Parser') as { parseMessage(data: string, ua: unknown): any }; // eslint-disable-line @typescript-eslint/no-explicit-any
const sipPkg = require('sip') as { parse(data: string | Buffer): any }; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Fields {
  fromTag: string | undefined;
  toTag: string | undefined;
  branches: string[];
  seq: number;
  method: string;
  callId: string;
  contact: string | undefined;
}

type Reader = (bytes: Buffer, text: string) => Fields;

const silentLogger = { error() {}, warn() {}, log() {}, debug() {} };

/** Loads the parser: bundled like production (default) or the tsx-loaded sources. */
async function loadParley(): Promise<{ sip: Sip; how: string }> {
  const entry = fileURLToPath(new URL('../src-main/sip/index.ts', import.meta.url));
  if (process.env.SIP_BENCH_SOURCE === '1') return { sip: (await import(pathToFileURL(entry).href)) as Sip, how: 'tsx sources' };
  const { build } = (await import('esbuild')) as typeof import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'parley-sip-bench-'));
  try {
    const outfile = join(dir, 'sip.mjs');
    await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile, logLevel: 'error' });
    return { sip: (await import(pathToFileURL(outfile).href)) as Sip, how: 'esbuild bundle' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function makeReaders(sip: Sip): Record<string, Reader> {
  return {
    parley: (bytes) => {
      const m = sip.parseMessage(bytes);
      return {
        fromTag: m.from.tag,
        toTag: m.to.tag,
        branches: m.vias.map((v) => v.branch ?? ''),
        seq: m.cseq.seq,
        method: m.cseq.method,
        callId: m.callId,
        contact: m.contacts[0]?.uri.toString(),
      };
    },
    'sip.js': (_b, text) => {
      const m: any = SipJsParser.parseMessage(text, silentLogger as any);
      const n = m.getHeaders('via').length;
      const branches: string[] = [];
      for (let i = 0; i < n; i++) {
        const v = m.parseHeader('via', i);
        branches.push(v.branch ?? '');
      }
      const c = m.hasHeader('contact') ? m.parseHeader('contact') : undefined;
      return {
        fromTag: m.fromTag,
        toTag: m.toTag,
        branches,
        seq: m.cseq,
        method: m.method,
        callId: m.callId,
        contact: c?.uri.toString(),
      };
    },
    jssip: (_b, text) => {
      const m: any = JsSipParser.parseMessage(text, {});
      const n = m.getHeaders('via').length;
      const branches: string[] = [];
      for (let i = 0; i < n; i++) branches.push(m.parseHeader('via', i).branch ?? '');
      const c = m.hasHeader('contact') ? m.parseHeader('contact') : undefined;
      return {
        fromTag: m.from_tag,
        toTag: m.to_tag,
        branches,
        seq: m.cseq,
        method: m.method,
        callId: m.call_id,
        contact: c?.uri.toString(),
      };
    },
    sip: (bytes) => {
      const m: any = sipPkg.parse(bytes);
      const h = m.headers;
      return {
        fromTag: h.from.params.tag,
        toTag: h.to.params.tag,
        branches: h.via.map((v: any) => v.params.branch ?? ''),
        seq: h.cseq.seq,
        method: h.cseq.method,
        callId: h['call-id'],
        contact: h.contact?.[0]?.uri,
      };
    },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

// Peers print URIs in their own way (ports, param case); compare the URI's identity.
const normUri = (u: string | undefined): string | undefined => u?.toLowerCase().replace(/:5060(?=;|$)/, '');

type Corpus = readonly (readonly [string, Buffer, string])[];

function checkAgreement(readers: Record<string, Reader>, messages: Corpus): void {
  for (const [name, bytes, text] of messages) {
    const expected = readers.parley!(bytes, text);
    for (const [peer, read] of Object.entries(readers)) {
      let got: Fields;
      try {
        got = read(bytes, text);
      } catch (e) {
        throw new Error(`bench: ${peer} failed to parse "${name}": ${String(e)}`);
      }
      const a = JSON.stringify({ ...expected, contact: normUri(expected.contact) });
      const b = JSON.stringify({ ...got, contact: normUri(got.contact) });
      if (a !== b) throw new Error(`bench: ${peer} disagrees on "${name}":\n  parley ${a}\n  ${peer} ${b}`);
    }
  }
}

let sink = 0;

interface SliceRate {
  /** messages per second of wall time */
  readonly wall: number;
  /** messages per second of this process's CPU time (less sensitive to other processes) */
  readonly cpu: number;
}

/** Runs `body` (which handles `n` messages per call) for about `ms` of wall time. */
function slice(body: () => number, ms: number): SliceRate {
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    ops += body();
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = Math.max(0.001, (cpu.user + cpu.system) / 1000);
  return { wall: (ops * 1000) / (now - start), cpu: (ops * 1000) / cpuMs };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Interleaved rounds: each round runs every body for one slice, in an order that rotates per
 * round. Returns each body's rates per round.
 */
function interleave(bodies: Record<string, () => number>, rounds: number, sliceMs: number): Record<string, SliceRate[]> {
  const names = Object.keys(bodies);
  const rates: Record<string, SliceRate[]> = Object.fromEntries(names.map((n) => [n, [] as SliceRate[]]));
  for (const n of names) slice(bodies[n]!, 200); // warm-up: let the JIT compile every path
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length]!;
      rates[n]!.push(slice(bodies[n]!, sliceMs));
    }
  }
  return rates;
}

export async function run(): Promise<void> {
  const { sip, how } = await loadParley();
  const readers = makeReaders(sip);
  const messages: Corpus = Object.entries(CORPUS).map(([k, v]) => [k, Buffer.from(v, 'utf8'), v] as const);
  checkAgreement(readers, messages);

  const bodies: Record<string, () => number> = {
    'floor: split lines': () => {
      for (const [, bytes] of messages) sink += bytes.toString('utf8').split('\r\n').length;
      return messages.length;
    },
  };
  for (const [peer, read] of Object.entries(readers)) {
    bodies[peer] = () => {
      for (const [, bytes, text] of messages) sink += read(bytes, text).branches.length;
      return messages.length;
    };
  }
  const rounds = Number(process.env.SIP_BENCH_ROUNDS ?? 21);
  const sliceMs = 50;
  const rates = interleave(bodies, rounds, sliceMs);
  const peers = Object.keys(readers).filter((n) => n !== 'parley');
  const wall = (n: string): number[] => rates[n]!.map((r) => r.wall);
  const cpu = (n: string): number[] => rates[n]!.map((r) => r.cpu);
  const fastest = (get: (n: string) => number[]): string => peers.reduce((a, b) => (median(get(b)) > median(get(a)) ? b : a));
  const perRound = (get: (n: string) => number[]): number[] =>
    get('parley').map((p, r) => p / Math.max(...peers.map((n) => get(n)[r]!)));
  const fw = median(wall(fastest(wall)));
  const fc = median(cpu(fastest(cpu)));
  console.log(`parley: ${how}; ${rounds} interleaved rounds of ${sliceMs} ms per parser`);
  console.log(
    table(
      ['parser', 'msg/s wall (median)', 'vs fastest', 'msg/s CPU (median)', 'vs fastest'],
      Object.keys(rates).map((n) => [
        n,
        fmt(median(wall(n))),
        (median(wall(n)) / fw).toFixed(2) + '×',
        fmt(median(cpu(n))),
        (median(cpu(n)) / fc).toFixed(2) + '×',
      ]),
    ),
  );
  // Serialization: parsed messages back to bytes.
  const parsed = messages.map(([, b]) => sip.parseMessage(b));
  const serBody = (): number => {
    for (const m of parsed) sink += sip.serializeMessage(m).length;
    return parsed.length;
  };
  console.log(`serialize: ${fmt(median(interleave({ serBody }, 5, sliceMs).serBody!.map((r) => r.wall)))} messages/s`);
  const describe = (xs: number[]): string => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${median(xs).toFixed(2)}× (min ${s[0]!.toFixed(2)}×, max ${s[s.length - 1]!.toFixed(2)}×)`;
  };
  console.log(`parley / fastest peer per round, wall: ${describe(perRound(wall))}`);
  console.log(`parley / fastest peer per round, CPU:  ${describe(perRound(cpu))}; goal ≥ 2×${sink < 0 ? '' : ''}`);
}
