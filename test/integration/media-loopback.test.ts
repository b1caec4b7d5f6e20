/**
 * Issue 4 "Done when": two media engines call each other over SRTP (AES_CM_128_HMAC_SHA1_80)
 * through a relay that drops 5 % of packets and delays each by 0–40 ms (so packets also arrive
 * out of order); a speech-like WAV goes in at alice's end, bob's speaker is a WAV file, and the
 * two carry the same speech: delay-aligned correlation of 20 ms log-energy envelopes ≥ 0.9.
 *
 * - In virtual time (FakeClock + MemoryNetwork): PCMU, G.722 and Opus, 12 s each.
 * - Over real UDP on 127.0.0.1 in real time: PCMU, 6 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src-main/base/clock';
import { WavAudioBackend } from '../../src-main/audio/wav-device';
import { MediaEngine, type OpenSocket } from '../../src-main/media/engine';
import type { MediaQualityReport } from '../../src-main/media/media-session';
import type { MediaCodecConfig } from '../../src-main/media/media-session-config';
import type { Datagram } from '../../src-main/media/rtp/datagram';
import { MemoryNetwork } from '../../src-main/media/rtp/memory-datagram';
import { UdpDatagram } from '../../src-main/media/rtp/udp-datagram';
import { compareSpeech } from '../support/audio-compare';
import { FakeClock } from '../support/fake-clock';
import { addressOf, G722, LossyRelay, OPUS, PCMU, sessionConfig, srtpKeys, writeSpeechWav } from './media-fixture';

const dir = mkdtempSync(join(tmpdir(), 'parley-media-loopback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface CallSetup {
  readonly clock: Clock;
  readonly openSocket: OpenSocket;
  readonly relaySocket: () => Promise<Datagram>;
  /** Lets `ms` of (virtual or real) time pass. */
  readonly pass: (ms: number) => Promise<void>;
  readonly codec: MediaCodecConfig;
  readonly seconds: number;
  readonly sampleRate: 16000 | 48000;
  readonly name: string;
  readonly loss?: number;
  readonly maxDelayMs?: number;
}

interface CallResult {
  readonly correlation: number;
  readonly delayMs: number;
  readonly rmsDb: number;
  /** Correlation of the recording with a different speech signal (must stay low). */
  readonly control: number;
  readonly relay: LossyRelay;
  readonly bobReport: MediaQualityReport;
  readonly deviceErrors: string[];
}

async function callThroughRelay(s: CallSetup): Promise<CallResult> {
  const source = writeSpeechWav(join(dir, `${s.name}-in.wav`), s.seconds, s.codec.name === 'PCMU' ? 8000 : 16000, 7);
  const recorded = join(dir, `${s.name}-out.wav`);
  const deviceErrors: string[] = [];
  const common = { clock: s.clock, openSocket: s.openSocket, sampleRate: s.sampleRate, portMin: 30000, portMax: 39998, statsIntervalMs: 1000 } as const;
  const alice = new MediaEngine({ ...common, devices: new WavAudioBackend({ clock: s.clock, inputPath: source }) });
  const bob = new MediaEngine({ ...common, devices: new WavAudioBackend({ clock: s.clock, outputPath: recorded }) });
  alice.on('deviceError', (m) => deviceErrors.push(`alice ${m}`));
  bob.on('deviceError', (m) => deviceErrors.push(`bob ${m}`));
  const reports: MediaQualityReport[] = [];
  bob.on('quality', (_id, r) => reports.push(r));

  const a = await alice.openEndpoint();
  const b = await bob.openEndpoint();
  const front = await s.relaySocket();
  const back = await s.relaySocket();
  const relay = new LossyRelay({ clock: s.clock, front, back, a: addressOf(a), b: addressOf(b), loss: s.loss ?? 0.05, maxDelayMs: s.maxDelayMs ?? 40, seed: 11 });
  const keys = srtpKeys();
  const suite = 'AES_CM_128_HMAC_SHA1_80' as const;
  await bob.startSession(b.id, sessionConfig({ codec: s.codec, remote: { address: '127.0.0.1', port: back.localPort }, srtp: { suite, localKey: keys.b, remoteKey: keys.a } }));
  await alice.startSession(a.id, sessionConfig({ codec: s.codec, remote: { address: '127.0.0.1', port: front.localPort }, srtp: { suite, localKey: keys.a, remoteKey: keys.b } }));
  await s.pass(s.seconds * 1000 + 800);
  const bobReport = await bob.report(b.id);
  await alice.close();
  await bob.close();
  relay.close();
  await s.pass(100); // in-flight datagrams (RTCP BYE) land on closed ports
  const cmp = compareSpeech(source, recorded, { maxDelayMs: 1500 });
  // A control: another speech signal of the same kind must not match the recording.
  const other = writeSpeechWav(join(dir, `${s.name}-other.wav`), s.seconds, 8000, 8);
  const control = compareSpeech(other, recorded, { maxDelayMs: 1500 }).correlation;
  console.log(`${s.name}: correlation ${cmp.correlation.toFixed(3)} (other speech ${control.toFixed(3)}), delay ${cmp.delayMs} ms, ` +
    `level ${cmp.rmsDb.toFixed(1)} dBFS, relay dropped ${relay.dropped}/${relay.dropped + relay.forwarded}, ` +
    `bob: loss ${bobReport.quality.lossPercent.toFixed(1)} %, jitter buffer ${bobReport.quality.jitterBufferDelayMs} ms, concealed ${bobReport.playout.concealed}, MOS ${bobReport.quality.mos.toFixed(2)}`);
  return { ...cmp, control, relay, bobReport, deviceErrors };
}

describe('two media engines over SRTP through a relay with 5 % loss and 0–40 ms jitter (virtual time)', () => {
  const virtualCall = async (codec: MediaCodecConfig, sampleRate: 16000 | 48000) => {
    const clock = new FakeClock();
    const net = new MemoryNetwork({ clock });
    const result = await callThroughRelay({
      clock,
      openSocket: async (_addr, port) => net.open(port),
      relaySocket: async () => net.open(),
      pass: async (ms) => {
        for (let t = 0; t < ms; t += 100) clock.advance(100);
      },
      codec,
      seconds: 12,
      sampleRate,
      name: `virtual-${codec.name}`,
    });
    expect(clock.pendingTimers()).toBe(0);
    expect(net.openSockets()).toBe(0);
    return result;
  };

  it("bob's speaker WAV carries alice's speech with PCMU (envelope correlation ≥ 0.9)", async () => {
    const r = await virtualCall(PCMU, 16000);
    expect(r.relay.dropped / (r.relay.dropped + r.relay.forwarded)).toBeGreaterThan(0.03);
    expect(r.correlation).toBeGreaterThanOrEqual(0.9);
    expect(r.control).toBeLessThan(0.7);
    expect(r.rmsDb).toBeGreaterThan(-40);
    expect(r.delayMs).toBeGreaterThan(0);
    expect(r.delayMs).toBeLessThan(400);
    // Bob saw the loss and concealed it; SRTP authenticated everything that arrived.
    expect(r.bobReport.quality.lossPercent).toBeGreaterThan(2);
    expect(r.bobReport.playout.concealed).toBeGreaterThan(10);
    expect(r.bobReport.rtp.srtpAuthFailures).toBe(0);
    expect(r.bobReport.rtp.packetsReceived).toBeGreaterThan(500);
    // Alice has no speaker and bob no microphone in this set-up: both are reported, the call goes on.
    expect(r.deviceErrors).toHaveLength(2);
  });

  it('carries the speech with G.722 (correlation ≥ 0.9)', async () => {
    const r = await virtualCall(G722, 16000);
    expect(r.correlation).toBeGreaterThanOrEqual(0.9);
    expect(r.bobReport.receiveCodec).toBe('G722');
  });

  it('carries the speech with Opus at 48 kHz (correlation ≥ 0.9)', async () => {
    const r = await virtualCall(OPUS, 48000);
    expect(r.correlation).toBeGreaterThanOrEqual(0.9);
    expect(r.bobReport.receiveCodec).toBe('opus');
  });
});

describe('two media engines over real UDP on 127.0.0.1 in real time', () => {
  it("bob's speaker WAV carries alice's speech over SRTP/PCMU with 5 % loss and 0–40 ms jitter (6 s)", async () => {
    const r = await callThroughRelay({
      clock: systemClock,
      openSocket: (addr, port) => UdpDatagram.open(addr, port),
      relaySocket: () => UdpDatagram.open('127.0.0.1', 0),
      pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      codec: PCMU,
      seconds: 6,
      sampleRate: 48000,
      name: 'udp-PCMU',
    });
    expect(r.correlation).toBeGreaterThanOrEqual(0.9);
    expect(r.rmsDb).toBeGreaterThan(-40);
    expect(r.bobReport.rtp.srtpAuthFailures).toBe(0);
  });
});
