import { describe, expect, it } from 'vitest';
import { compareAudio, parseWav, WavFormatError, type PcmAudio } from './audio-compare';

/** Deterministic PRNG (mulberry32) so the synthetic "speech" is the same on every run. */
function prng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Speech-like: noise bursts ("syllables", 80–300 ms) separated by pauses, random loudness. */
function syntheticSpeech(seed: number, seconds: number, rate = 8000): Float32Array {
  const rnd = prng(seed);
  const out = new Float32Array(Math.round(seconds * rate));
  let i = Math.round(0.2 * rate);
  while (i < out.length) {
    const len = Math.round((0.08 + 0.22 * rnd()) * rate);
    const gain = 0.05 + 0.4 * rnd();
    for (let k = 0; k < len && i + k < out.length; k++) {
      const shape = Math.sin((Math.PI * k) / len);
      out[i + k] = gain * shape * (2 * rnd() - 1);
    }
    i += len + Math.round((0.03 + 0.25 * rnd()) * rate);
  }
  return out;
}

function delayed(samples: Float32Array, ms: number, rate: number, gain: number, totalS: number): Float32Array {
  const out = new Float32Array(Math.round(totalS * rate));
  const shift = Math.round((ms * rate) / 1000);
  for (let i = 0; i < samples.length && i + shift < out.length; i++) out[i + shift] = gain * (samples[i] ?? 0);
  return out;
}

function wavBytes(channels: Int16Array[], rate: number, dataSize?: number): Uint8Array {
  const frames = channels[0]?.length ?? 0;
  const n = channels.length;
  const buf = Buffer.alloc(44 + frames * n * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + frames * n * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(n, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * n * 2, 28);
  buf.writeUInt16LE(n * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(dataSize ?? frames * n * 2, 40);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < n; c++) buf.writeInt16LE(channels[c]?.[i] ?? 0, 44 + 2 * (i * n + c));
  }
  return buf;
}

describe('parseWav', () => {
  it('reads 16-bit stereo PCM and mixes it down to mono', () => {
    const left = Int16Array.from([16384, -16384, 0]);
    const right = Int16Array.from([0, -16384, 8192]);
    const audio = parseWav(wavBytes([left, right], 44100));
    expect(audio.sampleRate).toBe(44100);
    expect(Array.from(audio.samples)).toEqual([0.25, -0.5, 0.125]);
  });

  it('takes the bytes present when a recorder left the data size unset', () => {
    const audio = parseWav(wavBytes([Int16Array.from([1000, 2000, 3000, 4000])], 16000, 0xffffffff));
    expect(audio.samples.length).toBe(4);
  });

  it('rejects files that are not 16-bit PCM WAV with a typed error', () => {
    expect(() => parseWav(Buffer.from('not a wav file at all'))).toThrow(WavFormatError);
    const float = Buffer.from(wavBytes([Int16Array.from([0, 0])], 8000));
    float.writeUInt16LE(3, 20); // IEEE float
    expect(() => parseWav(float)).toThrow(/unsupported WAV format/);
    expect(() => parseWav(wavBytes([Int16Array.from([0])], 8000).subarray(0, 36))).toThrow(WavFormatError);
  });
});

describe('compareAudio', () => {
  const rate = 8000;
  const source: PcmAudio = { sampleRate: rate, samples: syntheticSpeech(1, 8, rate) };

  it('scores the same speech, delayed 700 ms and quieter, near 1 and finds the delay', () => {
    const rec: PcmAudio = { sampleRate: rate, samples: delayed(source.samples, 700, rate, 0.5, 10) };
    const r = compareAudio(source, rec);
    expect(r.correlation).toBeGreaterThan(0.95);
    expect(r.delayMs).toBe(700);
    expect(r.rmsDb).toBeGreaterThan(-40);
  });

  it('finds a delay at another sample rate than the source (16 kHz recording of 8 kHz speech)', () => {
    const up = new Float32Array(source.samples.length * 2);
    source.samples.forEach((s, i) => {
      up[2 * i] = s;
      up[2 * i + 1] = s;
    });
    const rec: PcmAudio = { sampleRate: 16000, samples: delayed(up, 1500, 16000, 1, 12) };
    const r = compareAudio(source, rec);
    expect(r.correlation).toBeGreaterThan(0.95);
    expect(r.delayMs).toBe(1500);
  });

  it('scores a different speaker low', () => {
    const other: PcmAudio = { sampleRate: rate, samples: syntheticSpeech(2, 10, rate) };
    const r = compareAudio(source, other);
    expect(r.correlation).toBeLessThan(0.5);
  });

  it('does not find speech delayed beyond the searched range', () => {
    const rec: PcmAudio = { sampleRate: rate, samples: delayed(source.samples, 5000, rate, 1, 14) };
    expect(compareAudio(source, rec, { maxDelayMs: 3000 }).correlation).toBeLessThan(0.5);
    expect(compareAudio(source, rec, { maxDelayMs: 6000 }).correlation).toBeGreaterThan(0.95);
  });

  it('fails the level check on silence (correlation 0, level at the floor)', () => {
    const silence: PcmAudio = { sampleRate: rate, samples: new Float32Array(10 * rate) };
    const r = compareAudio(source, silence);
    expect(r.correlation).toBe(0);
    expect(r.rmsDb).toBeLessThanOrEqual(-99);
  });
});
