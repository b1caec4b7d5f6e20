/**
 * Voice processing as a user setting (issue 4 §7): two engines in a call over a memory
 * network, in virtual time. Bob talks (speech-like noise); alice's "room" feeds what her
 * speaker plays back into her microphone (220 ms later — a sound server's and a device's
 * buffers, past the canceller's 128 ms tail, so the delay must be measured — through a short
 * decaying response, at -10 dB), so with nothing done bob hears his own voice come back. Switching alice's echo
 * cancellation on during the call must take that echo out; bob's own speech is the measure.
 */
import { describe, expect, it } from 'vitest';
import { G722, sessionConfig } from '../../test/integration/media-fixture';
import { FakeClock } from '../../test/support/fake-clock';
import { gaussian, irregularSpeech } from '../../test/support/signal';
import { PacedInputStream, PacedOutputStream } from '../audio/paced-stream';
import type { Clock } from '../base/clock';
import { ValidationError } from '../base/errors';
import type { EngineAudioBackend } from './engine-api';
import { MediaEngine } from './engine';
import { MemoryNetwork } from './rtp/memory-datagram';


/** A speaker whose sound reaches the microphone: delay, a decaying response, and -10 dB. */
class EchoingRoom implements EngineAudioBackend {
  readonly name = 'room';
  private readonly played: number[] = [];
  private readonly response: Float64Array;
  private readonly delay: number;
  private readonly noise: Float64Array;
  private t = 0;
  constructor(
    private readonly clock: Clock,
    rate: number,
  ) {
    this.delay = Math.round(0.22 * rate);
    this.noise = gaussian(rate * 30, 2, 5);
    // A 20 ms response decaying with τ = 5 ms; its energy is ≈ 0.1 (-10 dB) at any rate.
    const g = gaussian(Math.round(0.02 * rate), 1, 3);
    const k = 0.05 * Math.sqrt(16000 / rate);
    this.response = g.map((v, i) => v * Math.exp(-i / (0.005 * rate)) * k);
  }
  openInput(_id: string, o: { sampleRate: number }) {
    return new PacedInputStream(this.clock, 'room-mic', o.sampleRate, o.sampleRate / 50, (into) => {
      for (let i = 0; i < into.length; i++, this.t++) {
        let s = this.noise[this.t % this.noise.length]!;
        for (let k = 0; k < this.response.length; k++) s += this.response[k]! * (this.played[this.t - this.delay - k] ?? 0);
        into[i] = Math.max(-32768, Math.min(32767, Math.round(s)));
      }
    });
  }
  openOutput(_id: string, o: { sampleRate: number }) {
    return new PacedOutputStream(this.clock, 'room-speaker', o.sampleRate, o.sampleRate / 50, (frame) => {
      for (const v of frame) this.played.push(v);
    });
  }
}

/** Bob's side: a talker into the microphone, and a speaker that keeps what it heard. */
class Talker implements EngineAudioBackend {
  readonly name = 'talker';
  readonly heard: number[] = [];
  private readonly voice: Float64Array;
  private t = 0;
  constructor(
    private readonly clock: Clock,
    private readonly rate: number,
  ) {
    this.voice = irregularSpeech(rate * 30, rate, 4000, 21);
  }
  openInput(_id: string, o: { sampleRate: number }) {
    return new PacedInputStream(this.clock, 'talker-mic', o.sampleRate, o.sampleRate / 50, (into) => {
      for (let i = 0; i < into.length; i++) into[i] = Math.round(this.voice[this.t++ % this.voice.length]!);
    });
  }
  openOutput(_id: string, o: { sampleRate: number }) {
    return new PacedOutputStream(this.clock, 'talker-speaker', o.sampleRate, o.sampleRate / 50, (frame) => {
      for (const v of frame) this.heard.push(v);
    });
  }
  /** Power of what bob heard over the last `seconds`. */
  powerOfLast(seconds: number): number {
    const tail = this.heard.slice(-seconds * this.rate);
    return tail.reduce((s, v) => s + v * v, 0) / Math.max(1, tail.length);
  }
}

const config = (port: number) => sessionConfig({ codec: G722, remote: { address: '127.0.0.1', port }, telephoneEvent: false });

describe('MediaEngine voice processing (issue 4 §7)', () => {
  // 48 kHz devices: the canceller works in the 16 kHz voice band (voice-processor.ts).
  it.each([16000, 48000])("switched on during the call, alice's echo canceller takes bob's voice out of what he hears back by ≥ 15 dB (devices at %i Hz)", async (RATE) => {
    const clock = new FakeClock();
    const net = new MemoryNetwork({ clock, delayMs: 15 });
    const room = new EchoingRoom(clock, RATE);
    const talker = new Talker(clock, RATE);
    const alice = new MediaEngine({ clock, sampleRate: RATE, portMin: 31000, portMax: 31000, openSocket: async (_a, p) => net.open(p), devices: room });
    const bob = new MediaEngine({ clock, sampleRate: RATE, portMin: 31100, portMax: 31100, openSocket: async (_a, p) => net.open(p), devices: talker });
    const a = await alice.openEndpoint({ rtcpPort: false });
    const b = await bob.openEndpoint({ rtcpPort: false });
    await alice.startSession(a.id, config(b.port));
    await bob.startSession(b.id, config(a.port));

    clock.advance(6000);
    const echoOff = talker.powerOfLast(3);
    expect((await alice.stats()).voice).toEqual({ echoCancellation: false, noiseSuppression: false, erleDb: undefined, echoDelayMs: undefined });

    await alice.setVoiceProcessing({ echoCancellation: true, noiseSuppression: false });
    clock.advance(10_000); // the delay is found in ≈ 4 s, then the canceller converges
    const echoOn = talker.powerOfLast(3);
    const voice = (await alice.stats()).voice;
    const figures = `${RATE} Hz: echo back: off ${(10 * Math.log10(echoOff)).toFixed(1)} dB, on ${(10 * Math.log10(echoOn)).toFixed(1)} dB, alice's ERLE ${voice.erleDb?.toFixed(1)} dB, echo delay ${voice.echoDelayMs} ms`;
    expect(voice.echoCancellation).toBe(true);
    expect(voice.erleDb, figures).toBeGreaterThan(10);
    // The room's 220 ms, plus the engine's own frame of playback and the codec/network path.
    expect(voice.echoDelayMs, figures).toBeGreaterThanOrEqual(220);
    expect(voice.echoDelayMs, figures).toBeLessThanOrEqual(300);
    // The echo came back loud (a reference: bob's own voice at ≈ -10 dB), then ≥ 15 dB lower.
    expect(10 * Math.log10(echoOff / 4000 ** 2)).toBeGreaterThan(-16);
    expect(10 * Math.log10(echoOff / echoOn), figures).toBeGreaterThanOrEqual(15);

    // Off again: the echo returns at once (nothing else changed).
    await alice.setVoiceProcessing({ echoCancellation: false, noiseSuppression: false });
    clock.advance(3000);
    expect(10 * Math.log10(talker.powerOfLast(2) / echoOn)).toBeGreaterThan(10);
    await alice.close();
    await bob.close();
  });

  it('refuses settings that are not two booleans with ValidationError, and keeps the old ones', async () => {
    const clock = new FakeClock();
    const e = new MediaEngine({ clock, sampleRate: 16000, echo: { echoCancellation: false, noiseSuppression: true } });
    await expect(e.setVoiceProcessing({ echoCancellation: 'yes' } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(e.setVoiceProcessing(null as never)).rejects.toBeInstanceOf(ValidationError);
    expect((await e.stats()).voice).toMatchObject({ echoCancellation: false, noiseSuppression: true });
    await e.close();
  });
});
