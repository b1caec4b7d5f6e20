/**
 * No gaps on the speaker: `parley shell` on PulseAudio devices (naudiodon, the media worker,
 * the device-paced engine, the output's latency control) calls a user agent that sends a steady
 * 880 Hz tone over PCMU. Once the call has settled, 8 s of the speaker's monitor must carry the
 * tone in every 20 ms window (a dropped or late frame shows as a window at half level or less),
 * and PortAudio must report no output underflow meanwhile.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src-main/base/clock';
import { WavAudioBackend } from '../../src-main/audio/wav-device';
import { encodeWav, parseWav } from '../../src-main/media/wav';
import { UserAgent } from '../../src-main/ua/user-agent';
import { toneAmplitude } from '../support/signal';
import { hangUpAndQuit, startCli, waitForCliEvent } from './support/parley-cli';
import { interopDescribe } from './support/peers';
import { startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';
import { makeRunDir, removeRunDir } from './support/temp-dir';

const underflows = (stderr: string) => stderr.split('\n').filter((l) => /output underflow/.test(l)).length;

interopDescribe(['pulseaudio'])('playback continuity on PulseAudio devices', () => {
  let pulse: PulseAudioFixture;
  let dir: string;
  let bob: UserAgent | undefined;

  beforeAll(async () => {
    pulse = await startPulseAudio();
    dir = makeRunDir('continuity');
  }, 30_000);

  afterAll(async () => {
    await bob?.shutdown(200);
    await pulse?.dispose();
    if (dir) removeRunDir(dir);
  });

  it("plays the far end's steady tone with no gap in 8 s (every 20 ms window at full level) and no underflow", async () => {
    const tone = join(dir, 'tone.wav');
    writeFileSync(tone, encodeWav(Int16Array.from({ length: 16000 * 30 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 880 * i) / 16000))), 16000));
    bob = await UserAgent.create({
      listen: { host: '127.0.0.1', port: 0 },
      transports: ['udp'],
      autoAnswer: true,
      devices: new WavAudioBackend({ clock: systemClock, inputPath: tone, loop: true }),
      callPreferences: { codecs: ['PCMU'] },
    });
    const cli = startCli(['shell', '--listen', '127.0.0.1:0', '--codecs', 'PCMU', '--audio-in', 'default', '--audio-out', 'default'], { env: pulse.env, stdin: true, timeoutMs: 60_000 });
    const speaker = join(dir, 'speaker.wav');
    let during = 0;
    try {
      await waitForCliEvent(cli, 'ready', (e) => e.event === 'ready');
      cli.write(`dial sip:bob@127.0.0.1:${bob.stack.localAddress('udp').port}\n`);
      await waitForCliEvent(cli, 'an established call', (e) => e.event === 'call.updated' && e.state === 'established');
      await new Promise((r) => setTimeout(r, 4000)); // streams start (≈ 1-2 s) and the latency settles
      const before = underflows(cli.stderr());
      await pulse.recordSpeaker(speaker, 8);
      during = underflows(cli.stderr()) - before;
      await hangUpAndQuit(cli);
    } finally {
      if (cli.exitCode() === undefined) cli.kill('SIGKILL');
    }
    const heard = parseWav(readFileSync(speaker));
    const windows = Math.floor(heard.samples.length / 320);
    const low: number[] = [];
    for (let i = 0; i < windows; i++) if (toneAmplitude(heard.samples.subarray(i * 320, (i + 1) * 320), 880, 16000) < 4000) low.push(i);
    const figures = `${low.length} of ${windows} windows below half level (at ${low.slice(0, 10).map((i) => `${(i * 0.02).toFixed(2)} s`).join(', ')}); ${during} underflows`;
    console.log(`playback continuity: ${figures}`);
    expect(windows).toBeGreaterThanOrEqual(390);
    expect(low, figures).toEqual([]);
    expect(during, figures).toBe(0);
  }, 60_000);
});
