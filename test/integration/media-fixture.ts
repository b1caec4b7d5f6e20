/**
 * Helpers for the media engine's two-engine tests: a speech-like test signal, a lossy and
 * jittery relay between two datagram sockets, SRTP keys and session configs shaped like the
 * SDP layer's `NegotiatedAudio`.
 */
import { writeFileSync } from 'node:fs';
import type { Clock, TimerHandle } from '../../src-main/base/clock';
import type { MediaEndpoint } from '../../src-main/media/engine-api';
import type { MediaCodecConfig, MediaSessionConfig } from '../../src-main/media/media-session-config';
import type { Datagram, RemoteAddress } from '../../src-main/media/rtp/datagram';
import { generateKeyMaterial } from '../../src-main/media/srtp/sdes-keys';
import type { SrtpSuiteName } from '../../src-main/media/srtp/suites';
import { encodeWav } from '../../src-main/media/wav';
import { prng } from '../support/signal';

/**
 * A speech-like signal: syllables of 150–450 ms (random, seeded) separated by 80–280 ms gaps
 * and now and then a 300–700 ms pause; each syllable is a glottal pulse train (90–220 Hz, with
 * aspiration noise) through two formant resonators whose centres vary per syllable, shaped by
 * a raised-cosine envelope, over a -55 dBFS background hiss (a real microphone is never
 * digitally silent; without it the envelope's pauses sit at the -100 dB floor and every LSB of
 * codec noise in them weighs like speech). Its 20 ms log-energy envelope is irregular, so
 * envelope correlation finds one clear delay.
 */
export function speechSignal(seconds: number, sampleRate: number, seed: number, level = 6000): Int16Array {
  const rnd = prng(seed);
  const n = Math.round(seconds * sampleRate);
  const out = new Float64Array(n);
  let i = Math.round(0.2 * sampleRate);
  while (i < n) {
    const len = Math.round((0.15 + 0.3 * rnd()) * sampleRate);
    const f0 = 90 + 130 * rnd();
    const f1 = 300 + 600 * rnd();
    const f2 = 900 + 1600 * rnd();
    const loud = 0.4 + 0.6 * rnd();
    const res = [resonator(f1, 0.97, sampleRate), resonator(f2, 0.95, sampleRate)];
    let phase = 0;
    for (let k = 0; k < len && i + k < n; k++) {
      phase += f0 / sampleRate;
      let x = 0.15 * (rnd() * 2 - 1);
      if (phase >= 1) {
        phase -= 1;
        x += 1;
      }
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * k) / len);
      out[i + k] = loud * env * (res[0]!(x) + 0.6 * res[1]!(x));
    }
    i += len + Math.round((rnd() < 0.15 ? 0.3 + 0.4 * rnd() : 0.08 + 0.2 * rnd()) * sampleRate);
  }
  let peak = 0;
  for (let k = 0; k < n; k++) peak = Math.max(peak, Math.abs(out[k]!));
  const pcm = new Int16Array(n);
  const hiss = 32768 * 10 ** (-55 / 20) * Math.sqrt(3);
  for (let k = 0; k < n; k++) pcm[k] = Math.round((out[k]! / (peak || 1)) * level * 2.5 + hiss * (rnd() * 2 - 1));
  return pcm;
}

function resonator(freq: number, r: number, sampleRate: number): (x: number) => number {
  const a1 = 2 * r * Math.cos((2 * Math.PI * freq) / sampleRate);
  const a2 = -r * r;
  let y1 = 0;
  let y2 = 0;
  return (x) => {
    const y = (1 - r) * x + a1 * y1 + a2 * y2;
    y2 = y1;
    y1 = y;
    return y;
  };
}

export function writeSpeechWav(path: string, seconds: number, sampleRate: number, seed: number): string {
  writeFileSync(path, encodeWav(speechSignal(seconds, sampleRate, seed), sampleRate));
  return path;
}

export interface RelayOptions {
  readonly clock: Clock;
  /** Faces side A: A sends here, and A's packets come back from here. */
  readonly front: Datagram;
  /** Faces side B. */
  readonly back: Datagram;
  readonly a: RemoteAddress;
  readonly b: RemoteAddress;
  /** Probability of dropping each packet (0..1). */
  readonly loss: number;
  /** Each packet is delayed by a uniform random 0..maxDelayMs. */
  readonly maxDelayMs: number;
  readonly seed: number;
}

/** A UDP relay that drops and delays (and so reorders) packets both ways, with a seeded PRNG. */
export class LossyRelay {
  forwarded = 0;
  dropped = 0;
  private readonly rnd: () => number;
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly o: RelayOptions) {
    this.rnd = prng(o.seed);
    o.front.onMessage((data) => this.forward(data, o.back, o.b));
    o.back.onMessage((data) => this.forward(data, o.front, o.a));
  }

  close(): void {
    for (const t of this.timers) this.o.clock.clearTimeout(t);
    this.timers.clear();
    this.o.front.close();
    this.o.back.close();
  }

  private forward(data: Buffer, via: Datagram, to: RemoteAddress): void {
    if (this.rnd() < this.o.loss) {
      this.dropped++;
      return;
    }
    const copy = Buffer.from(data);
    const t = this.o.clock.setTimeout(() => {
      this.timers.delete(t);
      this.forwarded++;
      via.send(copy, 0, copy.length, to.port, to.address);
    }, this.rnd() * this.o.maxDelayMs);
    this.timers.add(t);
  }
}

export const PCMU: MediaCodecConfig = { name: 'PCMU', payloadType: 0, clockRate: 8000, channels: 1 };
export const G722: MediaCodecConfig = { name: 'G722', payloadType: 9, clockRate: 8000, channels: 1 };
export const OPUS: MediaCodecConfig = { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' };

/** base64 key||salt pairs for both sides, as a=crypto would carry them. */
export function srtpKeys(suite: SrtpSuiteName = 'AES_CM_128_HMAC_SHA1_80'): { a: string; b: string } {
  const enc = (m: { key: Uint8Array; salt: Uint8Array }): string => Buffer.concat([m.key, m.salt]).toString('base64');
  return { a: enc(generateKeyMaterial(suite)), b: enc(generateKeyMaterial(suite)) };
}

export interface ConfigOptions {
  readonly codec?: MediaCodecConfig;
  readonly remote: RemoteAddress;
  readonly srtp?: { readonly suite: SrtpSuiteName; readonly localKey: string; readonly remoteKey: string } | null;
  readonly direction?: { readonly sending: boolean; readonly receiving: boolean };
  readonly ptime?: number;
  readonly telephoneEvent?: boolean;
}

/** A config shaped like `NegotiatedAudio` (rtcp-mux, one codec, telephone-event 101). */
export function sessionConfig(o: ConfigOptions): MediaSessionConfig {
  const codec = o.codec ?? PCMU;
  const teRate = codec.clockRate;
  return {
    remote: { address: o.remote.address, port: o.remote.port },
    rtcp: { mux: true },
    send: codec,
    receive: [codec],
    telephoneEvent: o.telephoneEvent === false ? null : { sendPayloadType: 101, receivePayloadType: 101, clockRate: teRate },
    ptime: o.ptime ?? 20,
    direction: o.direction ?? { sending: true, receiving: true },
    srtp: o.srtp ?? null,
  };
}

export function addressOf(e: MediaEndpoint): RemoteAddress {
  return { address: e.address, port: e.port };
}
