/**
 * The media engine on a worker thread behind `MediaWorkerHost` (mediasoup's Channel pattern):
 * requests and typed errors cross the channel, events come back, pending requests are
 * rejected when the worker dies, and a call between an in-thread engine and a worker engine
 * carries speech (WAV devices opened inside the worker) and DTMF over SRTP on real UDP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src-main/base/clock';
import { InvalidStateError, ValidationError } from '../../src-main/base/errors';
import { WavAudioBackend } from '../../src-main/audio/wav-device';
import type { MediaDtmfEvent, MediaQualityReport } from '../../src-main/media/media-session';
import { MediaEngine } from '../../src-main/media/engine';
import { MediaWorkerHost } from '../../src-main/media/worker/host';
import { compareSpeech, medianWindowCorrelation, readWav } from '../support/audio-compare';
import { addressOf, PCMU, sessionConfig, srtpKeys, writeSpeechWav } from './media-fixture';

const dir = mkdtempSync(join(tmpdir(), 'parley-media-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const devicesModule = join(import.meta.dirname, '../../src-main/audio/engine-devices.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MediaWorkerHost', () => {
  it('answers requests, and rebuilds typed errors from the worker (InvalidStateError, ValidationError)', async () => {
    const host = await MediaWorkerHost.start({ engine: { portMin: 45000, portMax: 45998, sampleRate: 8000 } });
    try {
      const ep = await host.openEndpoint();
      expect(ep.port % 2).toBe(0);
      expect(ep.rtcpPort).toBe(ep.port + 1);
      await expect(host.startSession('nope', sessionConfig({ remote: { address: '127.0.0.1', port: 9 } }))).rejects.toBeInstanceOf(InvalidStateError);
      await expect(host.startSession(ep.id, { ...sessionConfig({ remote: { address: '127.0.0.1', port: 9 } }), ptime: 25 })).rejects.toBeInstanceOf(ValidationError);
      await host.closeEndpoint(ep.id);
      expect((await host.stats()).sessions).toBe(0);
    } finally {
      await host.close();
    }
    await expect(host.stats()).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('rejects every pending request with InvalidStateError when the worker dies, and emits closed', async () => {
    const host = await MediaWorkerHost.start({ engine: { sampleRate: 8000 } });
    const closed = new Promise<string>((resolve) => host.once('closed', resolve));
    // Settled outcomes are taken at once: terminate() rejects the requests before it waits.
    const pending = [host.stats(), host.openEndpoint(), host.stats()].map((p) => p.then(() => 'answered', (e: unknown) => e));
    await host.terminate();
    for (const outcome of await Promise.all(pending)) {
      expect(outcome).toBeInstanceOf(InvalidStateError);
      expect(String(outcome)).toMatch(/pending request aborted/);
    }
    expect(await closed).toMatch(/worker exited|terminated/);
  });

  it("carries alice's speech to the worker engine's WAV speaker, bob's quality events and alice's DTMF back to the host", async () => {
    const source = writeSpeechWav(join(dir, 'alice.wav'), 4, 8000, 21);
    const recorded = join(dir, 'bob.wav');
    const alice = new MediaEngine({ clock: systemClock, sampleRate: 16000, portMin: 46000, portMax: 46998, devices: new WavAudioBackend({ clock: systemClock, inputPath: source }) });
    const bob = await MediaWorkerHost.start({
      engine: { sampleRate: 16000, portMin: 47000, portMax: 47998 },
      devices: { module: devicesModule, options: { kind: 'wav', outputPath: recorded } },
    });
    const reports: MediaQualityReport[] = [];
    const digits: MediaDtmfEvent[] = [];
    bob.on('quality', (_id, r) => reports.push(r));
    bob.on('dtmf', (_id, d) => digits.push(d));
    try {
      const a = await alice.openEndpoint();
      const b = await bob.openEndpoint();
      const keys = srtpKeys();
      const suite = 'AES_CM_128_HMAC_SHA1_80' as const;
      await bob.startSession(b.id, sessionConfig({ codec: PCMU, remote: addressOf(a), srtp: { suite, localKey: keys.b, remoteKey: keys.a } }));
      await alice.startSession(a.id, sessionConfig({ codec: PCMU, remote: addressOf(b), srtp: { suite, localKey: keys.a, remoteKey: keys.b } }));
      await sleep(4500);
      await alice.sendDtmf(a.id, '7', 120);
      await sleep(500);
      expect((await bob.stats()).ticker.ticks).toBeGreaterThan(200);
    } finally {
      await alice.close();
      await bob.close();
    }
    expect(digits.map((d) => d.digit)).toEqual(['7']);
    expect(reports.length).toBeGreaterThanOrEqual(4);
    expect(reports.at(-1)!.rtp.packetsReceived).toBeGreaterThan(150);
    const cmp = compareSpeech(source, recorded, { maxDelayMs: 1500 });
    // Bob's jitter buffer sheds its start-up delay in 20 ms steps during the first second or
    // two, so the lag changes: judge 1 s windows around the overall delay, not one lag.
    const windowed = medianWindowCorrelation(readWav(source), readWav(recorded), cmp.delayMs, { windowMs: 1000, stepMs: 500, slackMs: 200 });
    console.log(`worker engine speaker: correlation ${cmp.correlation.toFixed(3)} (median 1 s window ${windowed.toFixed(3)}), delay ${cmp.delayMs} ms`);
    expect(windowed).toBeGreaterThanOrEqual(0.9);
    expect(cmp.correlation).toBeGreaterThanOrEqual(0.8);
  }, 30_000);
});
