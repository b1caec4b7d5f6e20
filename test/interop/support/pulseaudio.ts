/**
 * PulseAudio fixture: a user-mode server with its own runtime dir and two virtual devices —
 * a null sink "parley_speaker" (default sink; what is played there can be recorded from its
 * monitor) and a microphone "parley_microphone" (default source) remapped from a second null
 * sink that `paplay` feeds with a WAV in a loop. ALSA's `default`/`pulse` devices follow
 * PULSE_SERVER (Debian's 99-pulse.conf), so PortAudio (naudiodon) and baresip's alsa module use it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ManagedProcess, pollUntil, sleep, startProcess } from './managed-process';
import { makeRunDir, removeRunDir } from './temp-dir';
import { binary } from './binaries';

const run = promisify(execFile);

export const SPEAKER_SINK = 'parley_speaker';
export const MIC_FEED_SINK = 'parley_mic_feed';
export const MIC_SOURCE = 'parley_microphone';
/** Where far-end peers (baresip) play, so their audio never mixes into Parley's speaker. */
export const PEER_SINK = 'parley_peer_speaker';

export interface PulseAudioFixture {
  /** Env for child processes: PULSE_SERVER and XDG_RUNTIME_DIR. */
  readonly env: { PULSE_SERVER: string; XDG_RUNTIME_DIR: string };
  /** Env for far-end peers: as `env`, plus PULSE_SINK so they play into PEER_SINK. */
  readonly peerEnv: { PULSE_SERVER: string; XDG_RUNTIME_DIR: string; PULSE_SINK: string };
  readonly dir: string;
  /** Records the speaker sink's monitor for `seconds` into a 16 kHz mono s16 WAV; resolves when written. */
  recordSpeaker(path: string, seconds: number): Promise<void>;
  /** Plays `path` in a loop into the virtual microphone (replaces the previous WAV); null = silence. */
  setMicrophoneWav(path: string | null): Promise<void>;
  pactl(...args: string[]): Promise<string>;
  logTail(lines?: number): string;
  dispose(): Promise<void>;
}

export async function startPulseAudio(): Promise<PulseAudioFixture> {
  const dir = makeRunDir('pulse');
  const runtimeDir = join(dir, 'runtime');
  const home = join(dir, 'home');
  mkdirSync(runtimeDir, { mode: 0o700 });
  mkdirSync(home);
  const socket = join(runtimeDir, 'native');
  const script = join(dir, 'own.pa');
  writeFileSync(script, [
    `load-module module-native-protocol-unix socket=${socket} auth-anonymous=1`,
    `load-module module-null-sink sink_name=${SPEAKER_SINK} sink_properties=device.description=Parley_Speaker`,
    `load-module module-null-sink sink_name=${MIC_FEED_SINK} sink_properties=device.description=Parley_Mic_Feed`,
    `load-module module-remap-source master=${MIC_FEED_SINK}.monitor source_name=${MIC_SOURCE} source_properties=device.description=Parley_Microphone`,
    `load-module module-null-sink sink_name=${PEER_SINK} sink_properties=device.description=Peer_Speaker`,
    `set-default-sink ${SPEAKER_SINK}`,
    `set-default-source ${MIC_SOURCE}`,
    '',
  ].join('\n'));
  const env = { PULSE_SERVER: `unix:${socket}`, XDG_RUNTIME_DIR: runtimeDir };
  const childEnv = { ...process.env, ...env, HOME: home };
  const server = startProcess('pulseaudio', binary('pulseaudio'), [
    '--daemonize=no', '-n', '-F', script, '--exit-idle-time=-1', '--disallow-exit',
    '--use-pid-file=no', '--log-target=stderr', '--disable-shm=no',
  ], { cwd: dir, env: childEnv, logPath: join(dir, 'pulseaudio.log') });

  const pactl = async (...args: string[]): Promise<string> =>
    (await run(binary('pactl'), args, { env: childEnv, timeout: 10_000 })).stdout;
  try {
    await pollUntil('pulseaudio socket', 15_000, async () => {
      if (!server.isRunning()) throw new Error('pulseaudio exited');
      if (!existsSync(socket)) return undefined;
      try {
        await pactl('info');
        return true;
      } catch {
        return undefined;
      }
    }, 100);
  } catch (e) {
    await server.stop();
    throw new Error(`pulseaudio did not start: ${(e as Error).message}\n${server.describe(40)}`, { cause: e });
  }

  // The microphone feed: paplay of one WAV, restarted whenever it ends, until replaced.
  let micGeneration = 0;
  let player: ManagedProcess | undefined;
  const playLoop = (wav: string, gen: number): void => {
    if (gen !== micGeneration) return;
    const p = startProcess('paplay', binary('paplay'), ['-d', MIC_FEED_SINK, wav],
      { cwd: dir, env: childEnv, logPath: join(dir, 'paplay.log') });
    player = p;
    void p.exited.then(async (code) => {
      if (code !== 0) await sleep(200); // never spin on a failing player
      playLoop(wav, gen);
    });
  };
  const stopPlayer = async (): Promise<void> => {
    micGeneration += 1;
    await player?.stop(1000);
    player = undefined;
  };

  const recorders = new Set<ManagedProcess>();
  let disposed = false;
  return {
    env,
    peerEnv: { ...env, PULSE_SINK: PEER_SINK },
    dir,
    async recordSpeaker(path, seconds) {
      const rec = startProcess('parec', binary('parec'), [
        '-d', `${SPEAKER_SINK}.monitor`, '--file-format=wav', '--format=s16le', '--rate=16000',
        '--channels=1', '--latency-msec=20', path,
      ], { cwd: dir, env: childEnv, logPath: join(dir, 'parec.log') });
      recorders.add(rec);
      // Count the duration from the first samples written, not from the spawn.
      await pollUntil('parec to start writing', 10_000, () => {
        if (!rec.isRunning()) throw new Error(`parec exited\n${rec.describe(10)}`);
        return existsSync(path) && statSync(path).size > 44 ? true : undefined;
      }, 20);
      await sleep(seconds * 1000);
      await rec.stop(2000); // parec finishes the WAV header on SIGTERM
      recorders.delete(rec);
    },
    async setMicrophoneWav(path) {
      await stopPlayer();
      if (path !== null) playLoop(path, micGeneration);
    },
    pactl,
    logTail: (lines = 40) => server.tail(lines),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stopPlayer();
      for (const r of recorders) await r.stop(1000);
      await server.stop();
      removeRunDir(dir);
    },
  };
}
