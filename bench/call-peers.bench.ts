/**
 * One real call, both ends measured in the same run: Parley's CLI (`parley call`, the SIP user
 * agent and its media worker, one process) calls baresip through Kamailio on 127.0.0.1 with
 * PCMU and mandatory SRTP, and this bench reads the CPU time each end's process spends while the
 * call is up (`/proc/<pid>/task/<tid>/schedstat`, nanoseconds, every thread summed). Two rows:
 * Parley with WAV devices (file microphone, file recording), and Parley on PulseAudio virtual
 * devices through naudiodon — baresip plays into PulseAudio in both (its null player busy-loops).
 *
 * Needs the test bed's peers (kamailio, baresip, pulseaudio); without them it says so and
 * prints nothing else. Timings are noisy on shared machines: compare the two columns of a row.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBaresip, type BaresipFixture } from '../test/interop/support/baresip';
import { findBinary } from '../test/interop/support/binaries';
import { startKamailio, type KamailioFixture } from '../test/interop/support/kamailio';
import { pollUntil, sleep } from '../test/interop/support/managed-process';
import { startCli } from '../test/interop/support/parley-cli';
import { startPulseAudio, type PulseAudioFixture } from '../test/interop/support/pulseaudio';
import { writeSpeechWav } from '../test/integration/media-fixture';
import { table } from './measure';

export const title = 'A call end to end: Parley\'s end vs baresip\'s end (PCMU + SRTP through Kamailio)';

const WINDOW_S = Number(process.env.CALL_BENCH_SECONDS ?? 8);

/** CPU nanoseconds of every thread of `pid` so far. */
function cpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns;
}

/** % of one core that each pid used over `seconds` of wall time. */
async function cpuShare(pids: readonly number[], seconds: number): Promise<number[]> {
  const before = pids.map(cpuNs);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wallNs = (performance.now() - t0) * 1e6;
  return pids.map((pid, i) => ((cpuNs(pid) - before[i]!) / wallNs) * 100);
}


async function measureCall(label: string, kamailio: KamailioFixture, bob: BaresipFixture, deviceArgs: readonly string[], env: Record<string, string>): Promise<string[]> {
  const from = bob.events.length;
  const cli = startCli(
    [
      'call', bob.aor, '--transport', 'udp', '--srtp', 'mandatory', '--codecs', 'PCMU', ...deviceArgs,
      '--duration', String(WINDOW_S + 6),
      '--account', kamailio.aor('alice'), '--password', kamailio.users.alice, '--proxy', kamailio.proxyUri('udp'), '--listen', '127.0.0.1:0',
    ],
    { timeoutMs: (WINDOW_S + 40) * 1000, env },
  );
  try {
    await pollUntil('the call to connect', 20_000, async () => (/connected to/.test(cli.stdout()) ? true : undefined), 50);
    await sleep(2000); // both ends settle (JIT, jitter buffers, PulseAudio stream start)
    const [parley, baresip] = await cpuShare([cli.pid!, bob.pid], WINDOW_S);
    const run = await cli.result;
    if (run.code !== 0) throw new Error(`parley call exited ${run.code}: ${run.stderr.slice(-500)}`);
    await bob.waitForEvent('CALL_CLOSED', 10_000, from);
    return [label, `${parley!.toFixed(2)} %`, `${baresip!.toFixed(2)} %`, (parley! / baresip!).toFixed(2)];
  } finally {
    cli.kill('SIGKILL');
  }
}

/** CPU of a process that only moves audio from the PortAudio input to the output (naudiodon-loop.ts). */
function naudiodonAlone(env: Record<string, string>): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'naudiodon-loop.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, String(WINDOW_S)], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: (WINDOW_S + 30) * 1000 });
  const m = /^RESULT ([\d.]+) ([\d.]+)/m.exec(r.stdout);
  return m ? `${m[1]} % of one core (${m[2]} chunks/s)` : `no figure (${(r.stderr || r.stdout).trim().split('\n').at(-1) ?? 'no output'})`;
}

export async function run(): Promise<void> {
  const missing = ['kamailio', 'baresip', 'pulseaudio'].filter((b) => findBinary(b) === undefined);
  if (missing.length > 0) {
    console.log(`  skipped: missing ${missing.join(', ')} (install with test/interop/install-peers.sh)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'parley-call-bench-'));
  let pulse: PulseAudioFixture | undefined;
  let kamailio: KamailioFixture | undefined;
  let bob: BaresipFixture | undefined;
  try {
    const bobWav = writeSpeechWav(join(dir, 'bob.wav'), 120, 8000, 41);
    const parleyWav = writeSpeechWav(join(dir, 'parley.wav'), 30, 8000, 42);
    pulse = await startPulseAudio();
    kamailio = await startKamailio();
    bob = await startBaresip({ kamailio, user: 'bob', transport: 'udp', mediaenc: 'srtp-mand', codecs: ['PCMU'], microphoneWav: bobWav, autoAnswer: true, pulse });
    const rows: string[][] = [];
    rows.push(await measureCall('WAV devices', kamailio, bob, ['--play', parleyWav, '--record', join(dir, 'heard.wav')], {}));
    await pulse.setMicrophoneWav(parleyWav);
    rows.push(await measureCall('PulseAudio via naudiodon (48 kHz)', kamailio, bob, ['--audio-in', 'default', '--audio-out', 'default'], pulse.env));
    const loop = naudiodonAlone(pulse.env);
    await pulse.setMicrophoneWav(null);
    console.log(`${WINDOW_S} s of an established call per row; each end's process, every thread (SIP and media), % of one core.`);
    console.log(table(['Parley\'s devices', 'Parley\'s end', 'baresip\'s end', 'Parley / baresip'], rows));
    console.log(`naudiodon alone (PulseAudio mic → speaker in 20 ms chunks at 48 kHz, no call, its own process): ${loop}`);
  } finally {
    await bob?.dispose();
    await kamailio?.dispose();
    await pulse?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
