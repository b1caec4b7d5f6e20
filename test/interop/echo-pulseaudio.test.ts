/**
 * Echo cancellation on a real (virtual) sound path: PulseAudio makes alice's microphone hear her
 * speaker (a source remapped from the speaker sink's monitor, at -18 dB, behind PortAudio's and
 * PulseAudio's own buffers), the way a laptop's
 * speaker reaches its microphone. (module-loopback was tried first: it keeps re-tuning a
 * resampler to hold its latency, an echo path that changes every few seconds, as no room does.) Alice is `parley shell` on those devices through naudiodon;
 * bob is a Parley user agent here on WAV devices, talking (speech) and recording what he hears.
 *
 * With alice's echo cancellation off, bob hears his own voice come back; `aec on` during the
 * call must measure the echo path's delay and take that echo out of what bob hears.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src-main/base/clock';
import { WavAudioBackend } from '../../src-main/audio/wav-device';
import { parseWav } from '../../src-main/media/wav';
import { UserAgent } from '../../src-main/ua/user-agent';
import { writeSpeechWav } from '../integration/media-fixture';
import { hangUpAndQuit, startCli, waitForCliEvent } from './support/parley-cli';
import { interopDescribe } from './support/peers';
import { SPEAKER_SINK, startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';
import { makeRunDir, removeRunDir } from './support/temp-dir';

interface ShellEvent {
  readonly [field: string]: unknown;
  readonly event: string;
  readonly state?: string;
  readonly command?: string;
  readonly echoCancellation?: boolean;
  readonly erleDb?: number;
  readonly echoDelayMs?: number;
  readonly message?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mean power in dB of `x` between `fromS` and `toS` seconds. */
function median(x: readonly number[]): number {
  const s = [...x].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function powerDb(x: Int16Array, rate: number, fromS: number, toS: number): number {
  const a = Math.max(0, Math.round(fromS * rate));
  const b = Math.min(x.length, Math.round(toS * rate));
  let s = 0;
  for (let i = a; i < b; i++) s += x[i]! * x[i]!;
  return 10 * Math.log10(s / Math.max(1, b - a) + 1);
}

const ROOM_MIC = 'parley_room_microphone';

interopDescribe(['pulseaudio'])("echo cancellation on PulseAudio devices whose speaker reaches the microphone", () => {
  let pulse: PulseAudioFixture;
  let dir: string;
  let bob: UserAgent | undefined;

  beforeAll(async () => {
    pulse = await startPulseAudio();
    dir = makeRunDir('echo-pulse');
    // The room: a microphone that is the speaker's monitor, turned down to -18 dB (PulseAudio's
    // volume is cubic: 50 % = 0.125).
    await pulse.pactl('load-module', 'module-remap-source', `master=${SPEAKER_SINK}.monitor`, `source_name=${ROOM_MIC}`);
    await pulse.pactl('set-source-volume', ROOM_MIC, '50%');
    await pulse.pactl('set-default-source', ROOM_MIC);
  }, 30_000);

  afterAll(async () => {
    await bob?.shutdown(200);
    await pulse?.dispose();
    if (dir) removeRunDir(dir);
  });

  // Retried: in this room the microphone is the speaker's own monitor, so capture is clocked by
  // what playback consumes and PortAudio underflows hundreds of times a call; in about one run
  // in ten the echo path keeps jumping and the canceller never settles within the call (see
  // native/README.md). A canceller that does not work fails every attempt.
  it("bob's own voice comes back from alice's room with her canceller off, and ≥ 15 dB quieter (median per second) once 'aec on' has run 12 s", { retry: 2, timeout: 100_000 }, async () => {
    await bob?.shutdown(200); // a failed attempt's user agent
    bob = undefined;
    const speech = writeSpeechWav(join(dir, 'bob-speech.wav'), 40, 16000, 41);
    const heard = join(dir, 'bob-heard.wav');
    bob = await UserAgent.create({
      listen: { host: '127.0.0.1', port: 0 },
      transports: ['udp'],
      autoAnswer: true,
      devices: new WavAudioBackend({ clock: systemClock, inputPath: speech, loop: true, outputPath: heard }),
      callPreferences: { codecs: ['PCMU'] },
    });
    const bobUri = `sip:bob@127.0.0.1:${bob.stack.localAddress('udp').port}`;
    const cli = startCli(
      ['shell', '--listen', '127.0.0.1:0', '--codecs', 'PCMU', '--audio-in', 'default', '--audio-out', 'default', '--echo-cancellation', 'off', '--noise-suppression', 'off'],
      { env: pulse.env, stdin: true, timeoutMs: 100_000 },
    );
    const waitFor = (what: string, pred: (e: ShellEvent) => boolean, from = 0): Promise<ShellEvent> => waitForCliEvent(cli, what, pred, from);
    let voice: ShellEvent | undefined;
    try {
      await waitFor('ready', (e) => e.event === 'ready');
      cli.write(`dial ${bobUri}\n`);
      await waitFor('an established call', (e) => e.event === 'call.updated' && e.state === 'established');
      await sleep(9000); // PulseAudio starts PortAudio's streams in ≈ 1-2 s; then 7 s of echo
      cli.write('aec on\n');
      const ok = await waitFor('aec on', (e) => e.event === 'command.ok' && e.command === 'aec');
      expect(ok.echoCancellation).toBe(true);
      await sleep(20_000);
      cli.write('voice\n');
      voice = await waitFor('voice', (e) => e.event === 'command.ok' && e.command === 'voice');
      await hangUpAndQuit(cli);
    } finally {
      if (cli.exitCode() === undefined) cli.kill('SIGKILL');
    }
    await bob.shutdown(200);
    bob = undefined;

    const wav = parseWav(readFileSync(heard));
    const rate = wav.sampleRate;
    const seconds = wav.samples.length / rate;
    const own = powerDb(parseWav(readFileSync(speech)).samples, 16000, 0, 40);
    // Read by the recording's own time, one level per second: seconds 2-8 (the streams have
    // started; 'aec on' comes at ≈ 9 s), and its last 8 s (the call ends with the file; the
    // canceller had ≈ 12 s by then). Medians, because bob's speech varies in loudness from
    // second to second, and because a device's latency can still jump once in a while (the
    // canceller then re-converges within seconds). The wall clock is no guide: a busy test
    // process can write fewer frames than time passed.
    const perSecond = Array.from({ length: Math.floor(seconds) }, (_, i) => powerDb(wav.samples, rate, i, i + 1));
    const off = median(perSecond.slice(2, 8));
    const lastEight = perSecond.slice(-9, -1);
    const on = median(lastEight);
    const figures =
      `bob's speech ${own.toFixed(1)} dB; heard back: canceller off ${off.toFixed(1)} dB, on ${on.toFixed(1)} dB; ` +
      `alice's canceller: ERLE ${voice?.erleDb?.toFixed(1)} dB, echo delay ${voice?.echoDelayMs} ms`;
    console.log(`echo on PulseAudio: ${figures}`);
    console.log('bob hears per second (dB):', perSecond.map((p) => p.toFixed(0)).join(' '));
    // The room really echoes: bob hears himself (at the room's -18 dB, give or take his own
    // loudness over those seconds).
    expect(off, figures).toBeGreaterThan(own - 30);
    expect(off - on, figures).toBeGreaterThanOrEqual(15);
    // And never worse than no canceller at all.
    expect(Math.max(...lastEight), figures).toBeLessThan(Math.max(...perSecond.slice(2, 8)) + 1);
    expect(voice?.erleDb, figures).toBeGreaterThan(15);
    // PortAudio's and PulseAudio's buffers: found, and held short by the output's latency trim.
    expect(voice?.echoDelayMs, figures).toBeGreaterThan(0);
    expect(voice?.echoDelayMs, figures).toBeLessThanOrEqual(200);
  });
});
