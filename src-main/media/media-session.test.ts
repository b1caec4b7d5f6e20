import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidStateError, ValidationError } from '../base/errors';
import { FakeClock } from '../../test/support/fake-clock';
import { toneAmplitude } from '../../test/support/signal';
import { MediaSession, type MediaDtmfEvent, type MediaQualityReport } from './media-session';
import type { MediaCodecConfig, MediaSessionConfig } from './media-session-config';
import { CallRecorder } from './recorder';
import { MemoryNetwork, type MemoryDatagram } from './rtp/memory-datagram';
import { generateKeyMaterial } from './srtp/sdes-keys';

const PCMU: MediaCodecConfig = { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 };
const G722: MediaCodecConfig = { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 };
const key = (): string => {
  const m = generateKeyMaterial('AES_CM_128_HMAC_SHA1_80');
  return Buffer.concat([m.key, m.salt]).toString('base64');
};

function config(port: number, over: Partial<MediaSessionConfig> = {}): MediaSessionConfig {
  return {
    remote: { address: '127.0.0.1', port },
    rtcp: { mux: true },
    send: PCMU,
    receive: [PCMU, G722],
    telephoneEvent: { sendPayloadType: 101, receivePayloadType: 101, clockRate: 8000 },
    ptime: 20,
    direction: { sending: true, receiving: true },
    srtp: null,
    ...over,
  };
}

/** Alice and bob on a MemoryNetwork, driven by one 20 ms loop on the fake clock. */
function pair(over: { alice?: Partial<MediaSessionConfig>; bob?: Partial<MediaSessionConfig> } = {}) {
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock, delayMs: 5 });
  const sa = net.open(5000);
  const sb = net.open(6000);
  const alice = new MediaSession({ clock, socket: sa, config: config(6000, over.alice), sampleRate: 8000 });
  const bob = new MediaSession({ clock, socket: sb, config: config(5000, over.bob), sampleRate: 8000 });
  const tone = new Int16Array(160);
  const heard = new Int16Array(160);
  const bobHeard: number[] = [];
  let phase = 0;
  let silentMic = false;
  const run = (ms: number): void => {
    for (let t = 0; t < ms; t += 20) {
      for (let i = 0; i < 160; i++) tone[i] = silentMic ? 0 : Math.round(8000 * Math.sin((phase += (2 * Math.PI * 1000) / 8000)));
      alice.writeFrame(tone);
      bob.writeFrame(tone.fill(0));
      bob.readFrame(heard);
      alice.readFrame(new Int16Array(160));
      bobHeard.push(toneAmplitude(heard, 1000, 8000));
      clock.advance(20);
    }
  };
  const sockets: MemoryDatagram[] = [sa, sb];
  return {
    clock,
    net,
    alice,
    bob,
    run,
    sockets,
    /** 1 kHz amplitude bob heard in the last `frames` frames (mean). */
    heardLevel: (frames: number) => bobHeard.slice(-frames).reduce((a, b) => a + b, 0) / frames,
    mute: (m: boolean) => (silentMic = m),
    close: () => {
      alice.dispose();
      bob.dispose();
      for (const s of sockets) s.close();
      clock.advance(100);
    },
  };
}

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

describe('MediaSession', () => {
  it("alice's tone reaches bob's playout over SRTP/PCMU, and each side reports quality once a second", () => {
    const ka = key();
    const kb = key();
    const srtp = (local: string, remote: string) => ({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: local, remoteKey: remote });
    const p = pair({ alice: { srtp: srtp(ka, kb) }, bob: { srtp: srtp(kb, ka) } });
    cleanup = p.close;
    const reports: MediaQualityReport[] = [];
    p.bob.on('quality', (r) => reports.push(r));
    p.run(3000);
    expect(p.heardLevel(50)).toBeGreaterThan(6000);
    expect(reports).toHaveLength(3);
    const last = reports.at(-1)!;
    expect(last.rtp.packetsReceived).toBeGreaterThan(140);
    expect(last.rtp.srtpAuthFailures).toBe(0);
    expect(last.playout.decoded).toBeGreaterThan(140);
    expect(last.quality.mos).toBeGreaterThan(4);
    expect(last.receiveCodec).toBe('PCMU');
    p.close();
    cleanup = undefined;
    expect(p.clock.pendingTimers()).toBe(0);
    expect(p.net.openSockets()).toBe(0);
  });

  it('drops packets whose SRTP tag does not verify (wrong key) and plays silence', () => {
    const p = pair({
      alice: { srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: key(), remoteKey: key() } },
      bob: { srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: key(), remoteKey: key() } },
    });
    cleanup = p.close;
    p.run(1000);
    expect(p.heardLevel(20)).toBeLessThan(10);
    expect(p.bob.counters.srtpAuthFailures).toBeGreaterThan(40);
  });

  it('sends a DTMF digit as RFC 4733 telephone-events that bob reports once, ended by the end bit', () => {
    const p = pair();
    cleanup = p.close;
    const digits: MediaDtmfEvent[] = [];
    p.bob.on('dtmf', (d) => digits.push(d));
    p.run(200);
    p.alice.sendDtmf('5', 100);
    p.alice.sendDtmf('#', 60);
    p.run(600);
    expect(digits.map((d) => d.digit)).toEqual(['5', '#']);
    expect(digits[0]!.durationMs).toBe(100);
    expect(digits.every((d) => d.endedBy === 'end-bit')).toBe(true);
  });

  it('refuses DTMF when telephone-event was not negotiated, or while on hold', () => {
    const p = pair({ alice: { telephoneEvent: null } });
    cleanup = p.close;
    expect(() => p.alice.sendDtmf('1')).toThrow(InvalidStateError);
    p.bob.update(config(5000, { direction: { sending: false, receiving: true } }));
    expect(() => p.bob.sendDtmf('1')).toThrow(InvalidStateError);
  });

  it('on hold alice sends no RTP and bob stops hearing her; on resume the tone comes back', () => {
    const p = pair();
    cleanup = p.close;
    p.run(1000);
    expect(p.heardLevel(10)).toBeGreaterThan(6000);
    p.alice.update(config(6000, { direction: { sending: false, receiving: true } }));
    const sent = p.alice.counters.packetsSent;
    p.run(1000);
    expect(p.alice.counters.packetsSent).toBe(sent);
    expect(p.heardLevel(10)).toBeLessThan(10);
    p.alice.update(config(6000));
    p.run(1000);
    expect(p.heardLevel(10)).toBeGreaterThan(6000);
  });

  it('not receiving (bob holds) plays silence although packets keep arriving', () => {
    const p = pair();
    cleanup = p.close;
    p.run(500);
    p.bob.update(config(5000, { direction: { sending: true, receiving: false } }));
    const received = p.bob.counters.packetsReceived;
    p.run(500);
    expect(p.bob.counters.packetsReceived).toBeGreaterThan(received + 20);
    expect(p.heardLevel(10)).toBeLessThan(10);
  });

  it('a re-INVITE to a new address sends RTP there (the old peer has gone quiet, so latching does not pull it back)', () => {
    const p = pair();
    cleanup = p.close;
    const other = p.net.open(7000);
    p.sockets.push(other);
    let got = 0;
    other.onMessage(() => got++);
    p.run(200);
    p.bob.update(config(5000, { direction: { sending: false, receiving: true } }));
    p.alice.update(config(7000));
    p.run(400);
    expect(got).toBeGreaterThan(15);
    expect(p.alice.remoteTarget.port).toBe(7000);
  });

  it('a re-INVITE with new SRTP keys and codec G.722 rebuilds the stream (new SSRC) and bob keeps hearing alice', () => {
    const [ka, kb] = [key(), key()];
    const srtp = (local: string, remote: string) => ({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: local, remoteKey: remote });
    const p = pair({ alice: { srtp: srtp(ka, kb) }, bob: { srtp: srtp(kb, ka) } });
    cleanup = p.close;
    p.run(600);
    const ssrc = p.alice.ssrc;
    const [ka2, kb2] = [key(), key()];
    p.alice.update(config(6000, { send: G722, srtp: srtp(ka2, kb2) }));
    p.bob.update(config(5000, { send: G722, srtp: srtp(kb2, ka2) }));
    p.run(1000);
    expect(p.alice.ssrc).not.toBe(ssrc);
    expect(p.heardLevel(20)).toBeGreaterThan(5000);
    expect(p.bob.report().receiveCodec).toBe('G722');
    expect(p.bob.counters.srtpAuthFailures).toBeLessThan(5);
  });

  it('moves its port to a new rate with the codec (update with sampleRate), new SSRC, frames of the new size; not while recording', async () => {
    const p = pair();
    cleanup = p.close;
    p.run(400);
    const ssrc = p.alice.ssrc;
    p.alice.update(config(6000, { send: G722, receive: [G722] }), 16000);
    p.bob.update(config(5000, { send: G722, receive: [G722] }), 16000);
    expect([p.alice.sampleRate, p.bob.sampleRate]).toEqual([16000, 16000]);
    expect(p.alice.ssrc).not.toBe(ssrc);
    // 20 ms at 16 kHz: a 6 kHz tone (beyond G.711's band) crosses G.722.
    const mic = new Int16Array(320);
    const heard = new Int16Array(320);
    let phase = 0;
    let level = 0;
    for (let f = 0; f < 50; f++) {
      for (let i = 0; i < 320; i++) mic[i] = Math.round(8000 * Math.sin((phase += (2 * Math.PI * 6000) / 16000)));
      p.alice.writeFrame(mic);
      p.bob.writeFrame(heard.fill(0));
      p.bob.readFrame(heard);
      p.alice.readFrame(new Int16Array(320));
      if (f >= 40) level += toneAmplitude(heard, 6000, 16000) / 10;
      p.clock.advance(20);
    }
    expect(level).toBeGreaterThan(4000);
    const path = join(tmpdir(), `parley-rate-${process.pid}.wav`);
    const recorder = CallRecorder.create(path, { sampleRate: 16000 });
    p.alice.setRecorder(recorder);
    expect(() => p.alice.update(config(6000), 8000)).toThrow(InvalidStateError);
    p.alice.setRecorder(undefined);
    await recorder.close();
    rmSync(path, { force: true });
  });

  it('sends ptime 40 as two frames per packet and bob splits them for the jitter buffer', () => {
    const p = pair({ alice: { ptime: 40 } });
    cleanup = p.close;
    p.run(2000);
    expect(p.alice.counters.packetsSent).toBeLessThanOrEqual(51);
    expect(p.alice.counters.packetsSent).toBeGreaterThan(45);
    expect(p.heardLevel(20)).toBeGreaterThan(6000);
  });

  it('rejects a bad configuration with ValidationError', () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork();
    const socket = net.open();
    const make = (c: Partial<MediaSessionConfig>) => () => new MediaSession({ clock, socket, config: config(1, c), sampleRate: 8000 });
    expect(make({ ptime: 25 })).toThrow(ValidationError);
    expect(make({ send: { name: 'AMR', payloadType: 96, clockRate: 8000, channels: 1 } })).toThrow(ValidationError);
    expect(make({ srtp: { suite: 'AES_CM_128_HMAC_SHA1_80', localKey: 'c2hvcnQ=', remoteKey: key() } })).toThrow(ValidationError);
    expect(make({ srtp: { suite: 'NULL_CIPHER', localKey: key(), remoteKey: key() } })).toThrow(ValidationError);
    socket.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
