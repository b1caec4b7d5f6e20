import { describe, expect, it } from 'vitest';
import type { AudioCodec, AudioDecoder } from '../codecs/audio-codec';
import { EncoderPort } from '../codecs/encoder-port';
import { g722 } from '../codecs/g722';
import { opus } from '../codecs/opus';
import { pcmu } from '../codecs/pcmu';
import { sineFitSnr, tone } from '../codecs/signal-quality';
import { JitterBuffer } from './jitter-buffer';
import { PlayoutPort } from './playout-port';

/** Sends `frames` frames of a 440 Hz tone at `rate` through encoder → jitter → playout. */
function loop(codec: AudioCodec, rate: number, frames: number, drop: (k: number) => boolean) {
  const jb = new JitterBuffer({ clockRate: codec.clockRate, minDelayMs: 20, initialDelayMs: 40 });
  let seq = 0;
  let ts = 0;
  let now = 0;
  const sender = new EncoderPort({
    codec,
    encoder: codec.createEncoder(),
    sampleRate: rate,
    onPayload: (payload, units) => {
      if (!drop(seq)) jb.put(seq, ts, payload, now);
      seq++;
      ts += units;
    },
  });
  const player = new PlayoutPort({ codec, decoder: codec.createDecoder(), jitter: jb, sampleRate: rate });
  const n = (rate * 20) / 1000;
  const frame = new Int16Array(n);
  const heard = new Int16Array(n * frames);
  for (let k = 0; k < frames; k++) {
    sender.writeFrame(tone(frame, rate, [[440, 10000]], k * n));
    player.readFrame(heard.subarray(k * n, (k + 1) * n));
    now += 20;
  }
  return { heard, player, jb };
}

describe('EncoderPort → JitterBuffer → PlayoutPort', () => {
  it('carries a 48 kHz device tone through G.722 (16 kHz) and back with resampling on both sides', () => {
    const { heard, player } = loop(g722, 48000, 50, () => false);
    expect(player.counts.decoded).toBeGreaterThanOrEqual(47);
    expect(player.counts.concealed).toBe(0);
    expect(sineFitSnr(heard, 440, 48000, 48000 * 0.2, heard.length)).toBeGreaterThan(25);
  });

  it('conceals a lost PCMU packet with PLC instead of silence', () => {
    const { player } = loop(pcmu, 8000, 40, (seq) => seq === 20);
    expect(player.counts.concealed).toBe(1);
    expect(player.counts.decoded).toBeGreaterThanOrEqual(37);
  });

  it('uses the next packet\'s FEC when the decoder offers it', () => {
    const fecCalls: number[] = [];
    const base = pcmu.createDecoder();
    const decoder: AudioDecoder = {
      decode: (p, o) => base.decode(p, o),
      conceal: (o) => base.conceal(o),
      decodeFec: (next, o) => {
        fecCalls.push(next.length);
        o.fill(1);
        return o.length;
      },
      reset: () => base.reset(),
      dispose: () => base.dispose(),
    };
    const jb = new JitterBuffer({ clockRate: 8000, minDelayMs: 40, initialDelayMs: 40 });
    const payload = new Uint8Array(160).fill(0xff);
    jb.put(0, 0, payload, 0);
    jb.put(2, 320, payload, 0);
    const port = new PlayoutPort({ codec: pcmu, decoder, jitter: jb });
    const out = new Int16Array(160);
    const kinds = [0, 1, 2, 3].map(() => (port.readFrame(out), port.lastKind));
    expect(kinds).toEqual(['silence', 'silence', 'decoded', 'fec']);
    expect(fecCalls).toEqual([160]);
  });

  it('rebuilds a single lost Opus packet from the next packet\'s in-band FEC (RFC 7587 §4.2)', () => {
    // SILK-range bitrate with FEC for 20 % loss, so every packet carries LBRR for the one before.
    const fecOpus: AudioCodec = { ...opus, createEncoder: () => opus.createEncoder({ bitrate: 20000, packetLossPercent: 20 }) };
    const { player } = loop(fecOpus, 48000, 40, (seq) => seq === 20);
    expect(player.counts.fec).toBe(1);
    expect(player.counts.concealed).toBe(0);
    expect(player.counts.decodeErrors).toBe(0);
    expect(player.counts.decoded).toBeGreaterThanOrEqual(36);
  });

  it('conceals a payload the decoder rejects and counts it, without throwing', () => {
    const jb = new JitterBuffer({ clockRate: 48000, minDelayMs: 20, initialDelayMs: 20 });
    jb.put(0, 0, new Uint8Array(0), 0);
    const port = new PlayoutPort({ codec: { ...pcmu, sampleRate: 48000, clockRate: 48000 }, decoder: throwing(), jitter: jb });
    const out = new Int16Array(960);
    port.readFrame(out);
    port.readFrame(out);
    expect(port.counts.decodeErrors).toBe(1);
    expect(port.lastKind).toBe('concealed');
  });
});

function throwing(): AudioDecoder {
  return {
    decode: () => {
      throw new Error('bad payload');
    },
    conceal: (o) => (o.fill(0), o.length),
    reset: () => {},
    dispose: () => {},
  };
}
