/**
 * Echo cancellation on a real (virtual) sound path: PulseAudio loops alice's speaker back into
 * her microphone (module-loopback from the speaker sink's monitor into the microphone feed,
 * 60 ms of its own latency on top of PortAudio's and PulseAudio's buffers), the way a laptop's
 * speaker reaches its microphone. The loop runs at a fixed rate (`adjust_time=0`): by default
 * module-loopback keeps re-tuning a resampler to hold its latency, an echo path that changes
 * every few seconds, which no room does (the linear filter then reached ≈ 2 dB, and only the
 * residual suppressor took the echo down, by 13-20 dB). Alice is `parley shell` on those devices through naudiodon;
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
import { cliEvents, startCli, waitForCliEvent } from './support/parley-cli';
import { interopDescribe } from './support/peers';
import { MIC_FEED_SINK, SPEAKER_SINK, startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';
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
function powerDb(x: Int16Array, rate: number, fromS: number, toS: number): number {
  const a = Math.max(0, Math.round(fromS * rate));
  const b = Math.min(x.length, Math.round(toS * rate));
  let s = 0;
  for (let i = a; i < b; i++) s += x[i]! * x[i]!;
  return 10 * Math.log10(s / Math.max(1, b - a) + 1);
}

interopDescribe(['pulseaudio'])("echo cancellation on PulseAudio devices whose speaker reaches the microphone", () => {
  let pulse: PulseAudioFixture;
  let dir: string;
  let bob: UserAgent | undefined;

  beforeAll(async () => {
    pulse = await startPulseAudio();
    dir = makeRunDir('echo-pulse');
    await pulse.pactl('load-module', 'module-loopback', `source=${SPEAKER_SINK}.monitor`, `sink=${MIC_FEED_SINK}`, 'latency_msec=60', 'adjust_time=0');
  }, 30_000);

  afterAll(async () => {
    await bob?.shutdown(200);
    await pulse?.dispose();
    if (dir) removeRunDir(dir);
  });

  it("bob's own voice comes back from alice's room with her canceller off, and ≥ 15 dB quieter once 'aec on' has run 14 s", async () => {
    const speech = writeSpeechWav(join(dir, 'bob-speech.wav'), 40, 16000, 41);
    const heard = join(dir, 'bob-heard.wav');
    bob = await UserAgent.create({
      listen: { host: '127.0.0.1', port: 0 },
      transports: ['udp'],
      autoAnswer: true,
      devices: new WavAudioBackend({ clock: systemClock, inputPath: speech, loop: true, outputPath: heard }),
      callPreferences: { codecs: ['PCMU'] },
    });
    let establishedAt = 0;
    bob.on('call.updated', (c) => {
      if (c.state === 'established' && establishedAt === 0) establishedAt = Date.now();
    });
    const bobUri = `sip:bob@127.0.0.1:${bob.stack.localAddress('udp').port}`;
    const cli = startCli(
      ['shell', '--listen', '127.0.0.1:0', '--codecs', 'PCMU', '--audio-in', 'default', '--audio-out', 'default', '--echo-cancellation', 'off', '--noise-suppression', 'off'],
      { env: pulse.env, stdin: true, timeoutMs: 90_000 },
    );
    const events = (): ShellEvent[] => cliEvents<ShellEvent>(cli);
    const waitFor = (what: string, pred: (e: ShellEvent) => boolean, from = 0): Promise<ShellEvent> => waitForCliEvent(cli, what, pred, from);
    let aecOnAt = 0;
    let hangupAt = 0;
    let voice: ShellEvent | undefined;
    try {
      await waitFor('ready', (e) => e.event === 'ready');
      cli.write(`dial ${bobUri}\n`);
      await waitFor('an established call', (e) => e.event === 'call.updated' && e.state === 'established');
      await sleep(9000); // PulseAudio starts PortAudio's streams in ≈ 1-2 s; then 7 s of echo
      aecOnAt = Date.now();
      cli.write('aec on\n');
      const ok = await waitFor('aec on', (e) => e.event === 'command.ok' && e.command === 'aec');
      expect(ok.echoCancellation).toBe(true);
      await sleep(14_000);
      cli.write('voice\n');
      voice = await waitFor('voice', (e) => e.event === 'command.ok' && e.command === 'voice');
      hangupAt = Date.now();
      cli.write('hangup\n');
      await waitFor('the call to end', (e) => e.event === 'call.ended');
      cli.write('quit\n');
      cli.end();
      const run = await cli.result;
      expect(run.code, run.stderr).toBe(0);
      expect(events().filter((e) => e.event === 'device.error')).toEqual([]);
    } finally {
      if (cli.exitCode() === undefined) cli.kill('SIGKILL');
    }
    await bob.shutdown(200);
    bob = undefined;

    const wav = parseWav(readFileSync(heard));
    const rate = wav.sampleRate;
    const at = (t: number) => (t - establishedAt) / 1000;
    const own = powerDb(parseWav(readFileSync(speech)).samples, 16000, 0, 40);
    // 4 s before the switch, and the last 4 s of the call (the canceller had ≈ 10 s by then).
    const off = powerDb(wav.samples, rate, at(aecOnAt) - 4.5, at(aecOnAt) - 0.5);
    const on = powerDb(wav.samples, rate, at(hangupAt) - 4.5, at(hangupAt) - 0.5);
    const figures =
      `bob's speech ${own.toFixed(1)} dB; heard back: canceller off ${off.toFixed(1)} dB, on ${on.toFixed(1)} dB; ` +
      `alice's canceller: ERLE ${voice?.erleDb?.toFixed(1)} dB, echo delay ${voice?.echoDelayMs} ms`;
    console.log(`echo on PulseAudio: ${figures}`);
    // The room really echoes: bob hears himself within 20 dB of his own level.
    expect(off, figures).toBeGreaterThan(own - 20);
    expect(off - on, figures).toBeGreaterThanOrEqual(15);
    expect(voice?.erleDb, figures).toBeGreaterThan(15);
    // The loop's 60 ms plus PortAudio's and PulseAudio's buffers: found, within what it looks for.
    expect(voice?.echoDelayMs, figures).toBeGreaterThan(60);
    expect(voice?.echoDelayMs, figures).toBeLessThanOrEqual(600);
  }, 90_000);
});
