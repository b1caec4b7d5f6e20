/**
 * SIPp runner: one bounded run (-m calls, -timeout) in the foreground (never -bg), with the
 * message trace, error log, screen and statistics kept. `startSipp` returns as soon as SIPp
 * listens (for UAS scenarios the test then sends it requests); `runSipp` waits for the end.
 * Debian's SIPp has no TLS: transports are UDP and TCP.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { pollUntil, startProcess } from './managed-process';
import { freePort } from './ports';
import { makeRunDir, removeRunDir } from './temp-dir';
import { binary } from './binaries';

export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export interface SippOptions {
  /** A file name in test/interop/scenarios ('uas-answer-200'), a path to an XML file, or XML text. */
  readonly scenario: string;
  /** 'host:port' of the remote side (UAC scenarios). */
  readonly remote?: string;
  readonly transport?: 'udp' | 'tcp';
  /** Local SIP port (default: a free one). */
  readonly port?: number;
  /** -m: stop after this many calls (default 1). */
  readonly calls?: number;
  /** -timeout: SIPp fails after this long (default 20 s); the process is killed 5 s later. */
  readonly timeoutMs?: number;
  /** Extra SIPp arguments, e.g. ['-d', '2000'] or ['-au', 'alice', '-ap', 'secret', '-s', 'bob']. */
  readonly args?: readonly string[];
}

export interface SippResult {
  /** 0: all calls succeeded; 1: some failed; 97/99 other errors; null: killed. */
  readonly exitCode: number | null;
  /** stdout/stderr (screen output). */
  readonly output: string;
  /** -trace_msg: every message sent and received, with timestamps. */
  readonly messages: string;
  /** -trace_err: unexpected messages. */
  readonly errors: string;
  /** -trace_stat CSV. */
  readonly stats: string;
  /** -trace_screen: final statistics screen. */
  readonly screen: string;
}

export interface SippRun {
  readonly port: number;
  readonly dir: string;
  readonly result: Promise<SippResult>;
  dispose(): Promise<void>;
}

function scenarioPath(scenario: string, dir: string): string {
  if (scenario.trimStart().startsWith('<')) {
    const p = join(dir, 'scenario.xml');
    writeFileSync(p, scenario);
    return p;
  }
  const builtIn = join(SCENARIO_DIR, scenario.endsWith('.xml') ? scenario : `${scenario}.xml`);
  if (existsSync(builtIn)) return builtIn;
  if (existsSync(scenario)) return resolve(scenario);
  throw new Error(`sipp: no scenario ${scenario} (looked in ${SCENARIO_DIR})`);
}

function udpBound(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      res(true);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => res(false)));
  });
}

function tcpListening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      res(true);
    });
    s.on('error', () => res(false));
  });
}

const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

export async function startSipp(opts: SippOptions): Promise<SippRun> {
  const dir = makeRunDir('sipp');
  const port = opts.port ?? (await freePort());
  const transport = opts.transport ?? 'udp';
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const files = {
    messages: join(dir, 'messages.log'), errors: join(dir, 'errors.log'),
    stats: join(dir, 'stats.csv'), screen: join(dir, 'screen.log'), output: join(dir, 'sipp.log'),
  };
  const args = [
    '-sf', scenarioPath(opts.scenario, dir),
    '-i', '127.0.0.1', '-p', String(port), '-t', transport === 'udp' ? 'u1' : 't1',
    '-m', String(opts.calls ?? 1), '-timeout', `${Math.ceil(timeoutMs / 1000)}s`, '-timeout_error',
    '-nostdin', '-trace_msg', '-message_file', files.messages, '-trace_err', '-error_file', files.errors,
    '-trace_stat', '-stf', files.stats, '-trace_screen', '-screen_file', files.screen,
    ...(opts.args ?? []),
    ...(opts.remote ? [opts.remote] : []),
  ];
  const proc = startProcess('sipp', binary('sipp'), args, { cwd: dir, logPath: files.output });
  const killer = setTimeout(() => proc.killNow(), timeoutMs + 5000);
  const result = proc.exited.then((exitCode): SippResult => {
    clearTimeout(killer);
    return {
      exitCode, output: read(files.output), messages: read(files.messages), errors: read(files.errors),
      stats: read(files.stats), screen: read(files.screen),
    };
  });
  if (!opts.remote) {
    try {
      await pollUntil(`sipp listening on ${port}`, 10_000, async () => {
        if (!proc.isRunning()) throw new Error('sipp exited');
        const up = transport === 'udp' ? await udpBound(port) : await tcpListening(port);
        return up ? true : undefined;
      });
    } catch (e) {
      await proc.stop();
      throw new Error(`sipp did not start: ${(e as Error).message}\n${proc.describe(30)}`, { cause: e });
    }
  }
  let disposed = false;
  return {
    port,
    dir,
    result,
    async dispose() {
      if (disposed) return;
      disposed = true;
      clearTimeout(killer);
      await proc.stop(2000);
      removeRunDir(dir);
    },
  };
}

/** Runs a scenario to its end and returns exit code and logs. */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  const run = await startSipp(opts);
  try {
    return await run.result;
  } finally {
    await run.dispose();
  }
}

export interface SippTraceEntry {
  /** Wall-clock time SIPp logged, ms since the epoch (local time as SIPp prints it). */
  readonly timeMs: number;
  readonly direction: 'sent' | 'received';
  /** Request or status line, e.g. 'OPTIONS sip:service@127.0.0.1:5060 SIP/2.0'. */
  readonly firstLine: string;
  readonly text: string;
}

/** Splits a -trace_msg log into its messages. */
export function parseSippTrace(messages: string): SippTraceEntry[] {
  const entries: SippTraceEntry[] = [];
  const blocks = messages.split(/^-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s*$/m);
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const stamp = blocks[i] ?? '';
    const body = blocks[i + 1] ?? '';
    const head = /^\s*(?:UDP|TCP) message (sent|received)[^\n]*\n\s*\n?([\s\S]*)$/.exec(body);
    if (!head) continue;
    const [date = '', time = ''] = stamp.split(' ');
    const [hms = '', frac = '0'] = time.split('.');
    const timeMs = new Date(`${date}T${hms}`).getTime() + Number(`0.${frac}`) * 1000;
    const text = (head[2] ?? '').replace(/\r/g, '').trim();
    entries.push({ timeMs, direction: head[1] === 'sent' ? 'sent' : 'received', firstLine: text.split('\n')[0] ?? '', text });
  }
  return entries;
}
