/**
 * The media engine on real (virtual) sound devices: a PulseAudio server whose microphone plays
 * speech A and whose speaker is a null sink recorded from its monitor. Alice's engine runs in
 * a child process on NaudiodonBackend (PortAudio → PulseAudio); bob's engine runs here on WAV
 * devices (speech B in, a WAV out). They call each other over SRTP/PCMU on 127.0.0.1:
 * - bob's WAV speaker must carry speech A (captured from the PulseAudio microphone);
 * - the PulseAudio speaker monitor must carry speech B (played by alice's engine).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWav as parseWavRaw } from '../../src-main/media/wav';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src-main/base/clock';
import { WavAudioBackend } from '../../src-main/audio/wav-device';
import { MediaEngine } from '../../src-main/media/engine';
import type { MediaEndpoint, MediaEngineStats } from '../../src-main/media/engine-api';
import type { MediaQualityReport } from '../../src-main/media/media-session';
import { compareAudio, medianWindowCorrelation, readWav, type PcmAudio } from '../support/audio-compare';
import { addressOf, PCMU, sessionConfig, srtpKeys, writeSpeechWav } from '../integration/media-fixture';
import { interopDescribe } from './support/peers';
import { startPulseAudio, type PulseAudioFixture } from './support/pulseaudio';
import { makeRunDir, removeRunDir } from './support/temp-dir';

interface ChildLine {
  readonly endpoint?: MediaEndpoint;
  readonly started?: boolean;
  readonly report?: MediaQualityReport;
  readonly deviceErrors?: string[];
  readonly stats?: unknown;
  readonly stopAt?: number;
}

/** Reads the child's "@@" lines (naudiodon's own output on stdout is skipped). */
class ChildChannel {
  private readonly queue: ChildLine[] = [];
  private waiter: ((l: ChildLine) => void) | undefined;
  private buffer = '';
  stdout = '';
  stderr = '';

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (b: Buffer) => {
      this.stdout += b.toString();
      this.buffer += b.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const at = line.indexOf('@@');
        if (at < 0) continue;
        const msg = JSON.parse(line.slice(at + 2)) as ChildLine;
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w(msg);
        } else this.queue.push(msg);
      }
    });
    child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
  }

  next(timeoutMs = 20_000): Promise<ChildLine> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`child said nothing for ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)), timeoutMs);
      this.waiter = (l) => {
        clearTimeout(t);
        resolve(l);
      };
    });
  }

  send(msg: unknown): void {
    this.child.stdin.write(`${JSON.stringify(msg)}\n`);
  }
}

interopDescribe(['pulseaudio'])('MediaEngine on PortAudio/PulseAudio devices, calling a WAV-device engine over SRTP', () => {
  let pulse: PulseAudioFixture;
  let dir: string;
  let micSpeech: string;
  let bobSpeech: string;

  beforeAll(async () => {
    pulse = await startPulseAudio();
    dir = makeRunDir('media-pulse');
    micSpeech = writeSpeechWav(join(dir, 'mic-speech.wav'), 40, 16000, 31);
    bobSpeech = writeSpeechWav(join(dir, 'bob-speech.wav'), 10, 16000, 32);
    await pulse.setMicrophoneWav(micSpeech);
  }, 30_000);

  afterAll(async () => {
    await pulse?.dispose();
    if (dir) removeRunDir(dir);
  });

  it("bob's WAV hears the PulseAudio microphone's speech, and the PulseAudio speaker plays bob's speech", async () => {
    const bobOut = join(dir, 'bob-heard.wav');
    const speaker = join(dir, 'speaker-monitor.wav');
    const aliceRec = join(dir, 'alice-call-recording.wav');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'media-pulseaudio.child.ts')], {
      env: { ...process.env, ...pulse.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    const alice = new ChildChannel(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const bob = new MediaEngine({
      clock: systemClock,
      sampleRate: 16000,
      portMin: 49000,
      portMax: 49998,
      devices: new WavAudioBackend({ clock: systemClock, inputPath: bobSpeech, loop: true, outputPath: bobOut }),
    });
    let report: MediaQualityReport | undefined;
    let deviceErrors: string[] | undefined;
    let stats: MediaEngineStats | undefined;
    try {
      const a = (await alice.next()).endpoint!;
      const b = await bob.openEndpoint();
      const keys = srtpKeys();
      const suite = 'AES_CM_128_HMAC_SHA1_80' as const;
      alice.send({ config: sessionConfig({ codec: PCMU, remote: addressOf(b), srtp: { suite, localKey: keys.a, remoteKey: keys.b } }), recordPath: aliceRec });
      expect((await alice.next()).started).toBe(true);
      await bob.startSession(b.id, sessionConfig({ codec: PCMU, remote: addressOf(a), srtp: { suite, localKey: keys.b, remoteKey: keys.a } }));
      await pulse.recordSpeaker(speaker, 12);
      alice.send({ stop: true });
      const last = await alice.next();
      report = last.report;
      stats = last.stats as MediaEngineStats | undefined;
      console.log('alice (PortAudio engine):', JSON.stringify({ capture: stats?.capture, pacing: stats?.pacing, jitter: last.report?.jitter }));
      deviceErrors = last.deviceErrors;
    } finally {
      await bob.close();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(await exited).toBe(0);
    expect(deviceErrors, JSON.stringify(deviceErrors)).toEqual([]);
    expect(report!.rtp.packetsReceived).toBeGreaterThan(300);
    expect(report!.rtp.srtpAuthFailures).toBe(0);
    // The sound card paces alice's engine: one cycle per captured frame once PortAudio delivers.
    expect(stats!.pacing.clock).toBe('device');
    expect(stats!.pacing.deviceTicks).toBeGreaterThan(300);

    // Both sources loop (bob's WAV device, and the microphone inside PulseAudio since the
    // fixture started), so a recording may span the loop's seam: compare against two laps of
    // the source. Each recording is compared from 2.5 s after its first sound: PortAudio on
    // PulseAudio takes 1–3 s to deliver its first frames (digital silence before that would
    // dominate the envelope correlation), and in its first seconds the jitter buffer shrinks
    // from its initial 60 ms by dropping frames, each of which shifts the alignment by 20 ms.
    const trimmed = (a: PcmAudio): PcmAudio => {
      const frame = a.sampleRate / 50;
      let start = 0;
      for (let f = 0; (f + 1) * frame <= a.samples.length; f++) {
        let e = 0;
        for (let i = f * frame; i < (f + 1) * frame; i++) e += a.samples[i]! ** 2;
        if (10 * Math.log10(e / frame + 1e-12) > -70) {
          start = f * frame;
          break;
        }
      }
      return { sampleRate: a.sampleRate, samples: a.samples.subarray(Math.min(a.samples.length, start + 2.5 * a.sampleRate)) };
    };
    const twice = (path: string): PcmAudio => {
      const one = readWav(path);
      const two = new Float32Array(one.samples.length * 2);
      two.set(one.samples);
      two.set(one.samples, one.samples.length);
      return { sampleRate: one.sampleRate, samples: two };
    };
    const opts = { maxDelayMs: 80_000, minOverlapMs: 3000 };
    const heardByBob = compareAudio(twice(micSpeech), trimmed(readWav(bobOut)), opts);
    const onSpeaker = compareAudio(twice(bobSpeech), trimmed(readWav(speaker)), opts);
    const control = compareAudio(twice(micSpeech), trimmed(readWav(speaker)), opts);
    const stereo = parseWavRaw(readFileSync(aliceRec));
    const left = new Float32Array(stereo.samples.length / 2);
    const right = new Float32Array(stereo.samples.length / 2);
    for (let i = 0; i < left.length; i++) {
      left[i] = stereo.samples[2 * i]! / 32768;
      right[i] = stereo.samples[2 * i + 1]! / 32768;
    }
    const aliceSent = compareAudio(twice(micSpeech), trimmed({ sampleRate: stereo.sampleRate, samples: left }), opts);
    const aliceHeard = compareAudio(twice(bobSpeech), trimmed({ sampleRate: stereo.sampleRate, samples: right }), opts);
    console.log(`alice's call recording: mic side r=${aliceSent.correlation.toFixed(3)} (${aliceSent.rmsDb.toFixed(1)} dBFS, delay ${aliceSent.delayMs}), bob side r=${aliceHeard.correlation.toFixed(3)}; bob heard the mic at delay ${heardByBob.delayMs}`);
    const windowed = {
      aliceSent: medianWindowCorrelation(twice(micSpeech), trimmed({ sampleRate: stereo.sampleRate, samples: left }), aliceSent.delayMs),
      aliceHeard: medianWindowCorrelation(twice(bobSpeech), trimmed({ sampleRate: stereo.sampleRate, samples: right }), aliceHeard.delayMs),
      heardByBob: medianWindowCorrelation(twice(micSpeech), trimmed(readWav(bobOut)), heardByBob.delayMs),
      onSpeaker: medianWindowCorrelation(twice(bobSpeech), trimmed(readWav(speaker)), onSpeaker.delayMs),
    };
    console.log(`median 2 s window correlations: ${JSON.stringify(Object.fromEntries(Object.entries(windowed).map(([k, v]) => [k, Number(v.toFixed(3))])))}`);
    console.log(`bob heard the mic: r=${heardByBob.correlation.toFixed(3)} (${heardByBob.rmsDb.toFixed(1)} dBFS); ` +
      `speaker carries bob: r=${onSpeaker.correlation.toFixed(3)} (${onSpeaker.rmsDb.toFixed(1)} dBFS); speaker vs mic speech r=${control.correlation.toFixed(3)}`);
    // Whole-recording correlations (printed above) vary from 0.7 to 0.98 between runs on a busy
    // machine: every adaptive drop or stretch of a jitter buffer moves the alignment by 20 ms,
    // which a single-lag correlation penalises. The checks use the median over 2 s windows.
    expect(windowed.aliceSent).toBeGreaterThanOrEqual(0.9); // alice's PortAudio microphone, as sent
    expect(windowed.aliceHeard).toBeGreaterThanOrEqual(0.85); // bob, as alice's session decoded him
    expect(windowed.heardByBob).toBeGreaterThanOrEqual(0.85);
    expect(heardByBob.rmsDb).toBeGreaterThan(-45);
    expect(windowed.onSpeaker).toBeGreaterThanOrEqual(0.85);
    expect(onSpeaker.rmsDb).toBeGreaterThan(-45);
    // The wrong speech (the microphone's) is not what the speaker played.
    expect(control.correlation).toBeLessThan(0.6);
  }, 90_000);
});
