/**
 * Child process for media-pulseaudio.test.ts: a MediaEngine on NaudiodonBackend (PortAudio
 * through the fixture's PulseAudio, which must be in the environment before PortAudio
 * initialises, hence a process of its own). naudiodon prints to stdout, so every line meant for
 * the test starts with "@@" followed by JSON.
 *
 * Protocol (one JSON line each way):
 *   child → {"endpoint": {...}}           after binding the RTP port
 *   test  → {"config": MediaSessionConfig} the negotiated session
 *   child → {"started": true}
 *   test  → {"stop": true}
 *   child → {"report": MediaQualityReport, "deviceErrors": [...]} then exits 0
 */
import { createInterface } from 'node:readline';
import { systemClock } from '../../src-main/base/clock';
import { NaudiodonBackend } from '../../src-main/audio/naudiodon-device';
import { MediaEngine } from '../../src-main/media/engine';
import type { MediaSessionConfig } from '../../src-main/media/media-session-config';

const say = (v: unknown): void => void process.stdout.write(`@@${JSON.stringify(v)}\n`);
const deviceErrors: string[] = [];
const engine = new MediaEngine({
  clock: systemClock,
  sampleRate: 16000,
  portMin: 48000,
  portMax: 48998,
  // The output watchdog's start-up grace covers only the first write; PortAudio on PulseAudio
  // may start pulling more than 1 s after the input delivers (reported to the audio layer), so
  // this test allows 3 s.
  devices: new NaudiodonBackend({ clock: systemClock, stallMs: 3000 }),
});
const t0 = performance.now();
engine.on('deviceError', (m) => deviceErrors.push(`${m} at ${Math.round(performance.now() - t0)} ms`));
const endpoint = await engine.openEndpoint();
say({ endpoint });
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const msg = JSON.parse(line) as { config?: MediaSessionConfig; recordPath?: string; stop?: boolean };
  if (msg.config) {
    await engine.startSession(endpoint.id, msg.config, msg.recordPath ? { recordPath: msg.recordPath } : {});
    say({ started: true, at: Math.round(performance.now() - t0) });
  } else if (msg.stop) {
    const stopAt = Math.round(performance.now() - t0);
    const report = await engine.report(endpoint.id);
    const stats = await engine.stats();
    await engine.close();
    say({ report, deviceErrors, stopAt, stats });
    process.exit(0);
  }
}
