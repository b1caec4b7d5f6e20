import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
import { toneAmplitude } from '../../test/support/signal';
import { PacedInputStream, PacedOutputStream } from '../audio/paced-stream';
import type { Clock } from '../base/clock';
import { InvalidStateError, MediaError } from '../base/errors';
import { TypedEmitter } from '../base/typed-emitter';
import type { EngineAudioBackend } from './engine-api';
import { MediaEngine } from './engine';
import type { MediaSessionConfig } from './media-session-config';
import { MemoryNetwork } from './rtp/memory-datagram';

const RATE = 16000;

/** A microphone playing a sine of `freq`, and a speaker that keeps its last 50 frames. */
class ToneDevices implements EngineAudioBackend {
  readonly name = 'tone';
  readonly heard: Int16Array[] = [];
  constructor(
    private readonly clock: Clock,
    private readonly freq: number,
  ) {}
  openInput(_id: string, o: { sampleRate: number }) {
    let phase = 0;
    return new PacedInputStream(this.clock, 'tone', o.sampleRate, o.sampleRate / 50, (into) => {
      for (let i = 0; i < into.length; i++) into[i] = Math.round(6000 * Math.sin((phase += (2 * Math.PI * this.freq) / o.sampleRate)));
    });
  }
  openOutput(_id: string, o: { sampleRate: number }) {
    return new PacedOutputStream(this.clock, 'speaker', o.sampleRate, o.sampleRate / 50, (frame) => {
      this.heard.push(frame.slice());
      if (this.heard.length > 50) this.heard.shift();
    });
  }
  /** Amplitude of `freq` over the last 25 frames heard. */
  level(freq: number): number {
    const all = new Int16Array(25 * (RATE / 50));
    this.heard.slice(-25).forEach((f, i) => all.set(f, i * f.length));
    return toneAmplitude(all, freq, RATE);
  }
}

function config(port: number, over: Partial<MediaSessionConfig> = {}): MediaSessionConfig {
  const codec = { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 };
  return {
    remote: { address: '127.0.0.1', port },
    rtcp: { mux: true },
    send: codec,
    receive: [codec],
    telephoneEvent: null,
    ptime: 20,
    direction: { sending: true, receiving: true },
    srtp: null,
    ...over,
  };
}

function setup() {
  const clock = new FakeClock();
  const net = new MemoryNetwork({ clock, delayMs: 10 });
  const engine = (freq: number, portMin: number) => {
    const devices = new ToneDevices(clock, freq);
    let k = 0;
    const random = () => (k++ % 50) / 50; // port picks min, min+2, min+4…
    const e = new MediaEngine({ clock, sampleRate: RATE, portMin, portMax: portMin + 98, openSocket: async (_a, port) => net.open(port), devices, random });
    return { e, devices };
  };
  return { clock, net, engine };
}

describe('MediaEngine', () => {
  it('binds an even RTP port and the next one for RTCP, skipping pairs in use', async () => {
    const { net, engine } = setup();
    net.open(20001); // the RTCP half of the first pair is taken
    const { e } = engine(500, 20000);
    const ep = await e.openEndpoint();
    expect(ep.port % 2).toBe(0);
    expect(ep.port).not.toBe(20000);
    expect(ep.rtcpPort).toBe(ep.port + 1);
    const muxOnly = await e.openEndpoint({ rtcpPort: false });
    expect(muxOnly.rtcpPort).toBeUndefined();
    await e.close();
    expect(net.openSockets()).toBe(1);
  });

  it('mixes a conference: each far end hears the local user and the other far end, the local user hears both', async () => {
    const { clock, net, engine } = setup();
    const host = engine(800, 21000);
    const alice = engine(500, 22000);
    const bob = engine(1200, 23000);
    const h1 = await host.e.openEndpoint();
    const h2 = await host.e.openEndpoint();
    const a = await alice.e.openEndpoint();
    const b = await bob.e.openEndpoint();
    await host.e.startSession(h1.id, config(a.port));
    await host.e.startSession(h2.id, config(b.port));
    await alice.e.startSession(a.id, config(h1.port));
    await bob.e.startSession(b.id, config(h2.port));
    for (let t = 0; t < 3000; t += 100) clock.advance(100);
    expect(alice.devices.level(800)).toBeGreaterThan(2000);
    expect(alice.devices.level(1200)).toBeGreaterThan(2000);
    expect(alice.devices.level(500)).toBeLessThan(300); // never her own voice (N-1 mix)
    expect(bob.devices.level(800)).toBeGreaterThan(2000);
    expect(bob.devices.level(500)).toBeGreaterThan(2000);
    expect(host.devices.level(500)).toBeGreaterThan(2000);
    expect(host.devices.level(1200)).toBeGreaterThan(2000);
    expect(host.devices.level(800)).toBeLessThan(300);

    // Holding bob (inactive both ways) takes him out of the mix for alice.
    await host.e.updateSession(h2.id, config(b.port, { direction: { sending: false, receiving: false } }));
    for (let t = 0; t < 1000; t += 100) clock.advance(100);
    expect(alice.devices.level(1200)).toBeLessThan(300);
    expect(alice.devices.level(800)).toBeGreaterThan(2000);

    for (const x of [host, alice, bob]) await x.e.close();
    clock.advance(100);
    expect(clock.pendingTimers()).toBe(0);
    expect(net.openSockets()).toBe(0);
  });

  it('stops its ticker and closes devices when the last session ends', async () => {
    const { clock, net, engine } = setup();
    const { e } = engine(500, 24000);
    const ep = await e.openEndpoint();
    await e.startSession(ep.id, config(9));
    clock.advance(1000);
    expect((await e.stats()).pacing.deviceTicks).toBeGreaterThanOrEqual(49);
    await e.closeEndpoint(ep.id);
    clock.advance(100);
    expect(clock.pendingTimers()).toBe(0);
    expect(net.openSockets()).toBe(0);
    await expect(e.report(ep.id)).rejects.toBeInstanceOf(InvalidStateError);
    await e.close();
  });

  it('reports a device that fails to open and carries on with the call', async () => {
    const { clock, engine } = setup();
    const { e } = engine(500, 25000);
    const broken: EngineAudioBackend = {
      name: 'broken',
      openInput: () => {
        throw new MediaError('media.device', 'no microphone');
      },
      openOutput: () => {
        throw new MediaError('media.device', 'no speaker');
      },
    };
    const e2 = new MediaEngine({ clock, sampleRate: RATE, portMin: 26000, portMax: 26098, openSocket: async (_a, p) => new MemoryNetwork().open(p), devices: broken });
    const errors: string[] = [];
    e2.on('deviceError', (m) => errors.push(m));
    const ep = await e2.openEndpoint({ rtcpPort: false });
    await e2.startSession(ep.id, config(9));
    clock.advance(200);
    expect(errors).toEqual(['input device: no microphone', 'output device: no speaker']);
    expect((await e2.report(ep.id)).rtp.packetsSent).toBeGreaterThanOrEqual(9);
    await e2.close();
    await e.close();
  });

  it('refuses a second start, and anything after close, with InvalidStateError', async () => {
    const { engine } = setup();
    const { e } = engine(500, 27000);
    const ep = await e.openEndpoint();
    await e.startSession(ep.id, config(9));
    await expect(e.startSession(ep.id, config(9))).rejects.toBeInstanceOf(InvalidStateError);
    await e.close();
    await expect(e.openEndpoint()).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('is paced by the capture device: one cycle per captured frame, the ticker idle', async () => {
    const { clock, engine } = setup();
    const { e } = engine(500, 28000);
    const ep = await e.openEndpoint({ rtcpPort: false });
    await e.startSession(ep.id, config(9));
    clock.advance(1000);
    const s = await e.stats();
    expect(s.pacing.clock).toBe('device');
    expect(s.pacing.deviceTicks).toBeGreaterThanOrEqual(49);
    expect(s.pacing.deviceTicks).toBeLessThanOrEqual(51);
    expect(s.ticker.ticks).toBeLessThanOrEqual(1);
    expect((await e.report(ep.id)).rtp.packetsSent).toBeGreaterThanOrEqual(49);
    await e.close();
  });

  it('hands the pacing to its ticker when the microphone goes quiet, and back when it speaks again', async () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork({ clock });
    /** A microphone that delivers only when told to. */
    class ManualMic extends TypedEmitter<{ frame: [Int16Array]; error: [Error] }> {
      readonly frame = new Int16Array(RATE / 50);
      close = async () => {};
      deliver(): void {
        this.safeEmit('frame', this.frame);
      }
    }
    const mic = new ManualMic();
    const devices: EngineAudioBackend = {
      name: 'manual',
      openInput: () => mic,
      openOutput: () => new PacedOutputStream(clock, 'speaker', RATE, RATE / 50, () => {}),
    };
    const e = new MediaEngine({ clock, sampleRate: RATE, portMin: 29000, portMax: 29098, openSocket: async (_a, p) => net.open(p), devices });
    const ep = await e.openEndpoint({ rtcpPort: false });
    await e.startSession(ep.id, config(9));
    const speak = (ms: number) => {
      for (let t = 0; t < ms; t += 20) {
        mic.deliver();
        clock.advance(20);
      }
    };
    speak(400);
    let s = await e.stats();
    expect([s.pacing.clock, s.pacing.deviceTicks]).toEqual(['device', 20]);
    // Quiet for a second: the ticker takes over within DEVICE_SILENT_MS and keeps sending.
    const sentBefore = (await e.report(ep.id)).rtp.packetsSent;
    clock.advance(1000);
    s = await e.stats();
    expect(s.pacing.clock).toBe('timer');
    expect(s.ticker.ticks).toBeGreaterThanOrEqual(45);
    expect((await e.report(ep.id)).rtp.packetsSent - sentBefore).toBeGreaterThanOrEqual(45);
    expect(s.capture.missing).toBeGreaterThanOrEqual(45);
    // Frames again: the device paces, the ticker stops.
    const ticks = s.ticker.ticks;
    speak(400);
    s = await e.stats();
    expect(s.pacing.clock).toBe('device');
    expect(s.ticker.ticks - ticks).toBeLessThanOrEqual(1);
    expect(s.pacing.deviceTicks).toBe(40);
    await e.close();
    clock.advance(100);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('mixes at the widest session rate: legs are not resampled, only the device port', async () => {
    const clock = new FakeClock();
    const net = new MemoryNetwork({ clock });
    const e = new MediaEngine({ clock, sampleRate: 48000, portMin: 30000, portMax: 30098, openSocket: async (_a, p) => net.open(p) });
    const pcmu = { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 };
    const a = await e.openEndpoint({ rtcpPort: false });
    const b = await e.openEndpoint({ rtcpPort: false });
    await e.startSession(a.id, config(9, { send: pcmu, receive: [pcmu] }));
    expect((await e.stats()).pacing.mixRate).toBe(8000);
    await e.startSession(b.id, config(11));
    expect((await e.stats()).pacing.mixRate).toBe(16000);
    await e.closeEndpoint(b.id);
    expect((await e.stats()).pacing.mixRate).toBe(8000);
    await e.close();
  });

  it('follows a re-INVITE from G.711 to G.722 to wideband: a 5 kHz tone gets through only after it', async () => {
    const { clock, engine } = setup();
    const alice = engine(500, 33000);
    const bob = engine(5000, 34000);
    const pcmu = { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 };
    const narrow = { send: pcmu, receive: [pcmu] };
    const a = await alice.e.openEndpoint();
    const b = await bob.e.openEndpoint();
    await alice.e.startSession(a.id, config(b.port, narrow));
    await bob.e.startSession(b.id, config(a.port, narrow));
    for (let t = 0; t < 1500; t += 100) clock.advance(100);
    expect((await alice.e.stats()).pacing.mixRate).toBe(8000);
    expect(alice.devices.level(5000)).toBeLessThan(300); // above G.711's 4 kHz band
    expect(bob.devices.level(500)).toBeGreaterThan(2000);

    await alice.e.updateSession(a.id, config(b.port));
    await bob.e.updateSession(b.id, config(a.port));
    for (let t = 0; t < 1500; t += 100) clock.advance(100);
    expect((await alice.e.stats()).pacing.mixRate).toBe(16000);
    expect((await alice.e.report(a.id)).sendCodec).toBe('G722');
    expect(alice.devices.level(5000)).toBeGreaterThan(2000);
    expect(bob.devices.level(500)).toBeGreaterThan(2000);
    for (const x of [alice, bob]) await x.e.close();
  });
});
