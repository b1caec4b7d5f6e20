import { describe, expect, it } from 'vitest';
import { g722 } from './g722';
import { bestAlignedSnr, tone } from './signal-quality';

/** Encodes then decodes `signal` frame by frame (320 samples, 160 bytes). */
function roundTrip(signal: Int16Array): Int16Array {
  const enc = g722.createEncoder();
  const dec = g722.createDecoder();
  const out = new Int16Array(signal.length);
  const bytes = new Uint8Array(160);
  for (let f = 0; f + 320 <= signal.length; f += 320) {
    const n = enc.encode(signal.subarray(f, f + 320), bytes);
    expect(n).toBe(160);
    expect(dec.decode(bytes.subarray(0, n), out.subarray(f, f + 320))).toBe(320);
  }
  return out;
}

/** A vowel-like signal: a 105..135 Hz glottal pulse train through three formant resonators. */
function speechLike(n: number): Int16Array {
  const raw = new Float64Array(n);
  const formants = [
    [700, 130],
    [1220, 70],
    [2600, 160],
  ] as const;
  const state = formants.map(() => [0, 0]);
  for (let i = 0; i < n; i++) {
    const f0 = 120 + 15 * Math.sin((2 * Math.PI * 3 * i) / 16000);
    // Rosenberg glottal pulse: 40 % opening, 16 % closing, closed for the rest of the period.
    const ph = ((i * f0) / 16000) % 1;
    let x = ph < 0.4 ? 0.5 * (1 - Math.cos((Math.PI * ph) / 0.4)) : ph < 0.56 ? Math.cos((Math.PI * (ph - 0.4)) / 0.32) : 0;
    formants.forEach(([f, bw], k) => {
      const r = Math.exp((-Math.PI * bw) / 16000);
      const c = 2 * r * Math.cos((2 * Math.PI * f) / 16000);
      const s = state[k]!;
      const y = x * (1 - r) + c * s[0]! - r * r * s[1]!;
      s[1] = s[0]!;
      s[0] = y;
      x = y;
    });
    raw[i] = x;
  }
  const peak = raw.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  return Int16Array.from(raw, (v) => Math.round((v / peak) * 12000));
}

describe('G.722 64 kbit/s (ITU-T G.722, sub-band ADPCM)', () => {
  it('has payload type 9, an RTP clock of 8000 and PCM at 16000 Hz (RFC 3551 §4.5.2)', () => {
    expect(g722.payloadType).toBe(9);
    expect(g722.clockRate).toBe(8000);
    expect(g722.sampleRate).toBe(16000);
  });

  it('carries a two-tone signal (1 kHz + 5 kHz, one in each sub-band) with an SNR above 25 dB', () => {
    const x = tone(new Int16Array(320 * 50), 16000, [
      [1000, 9000],
      [5000, 3000],
    ]);
    const { snr, delay } = bestAlignedSnr(x, roundTrip(x), 0, 30, 1600, x.length - 64);
    expect(delay).toBe(22); // the two 24-tap QMFs
    expect(snr).toBeGreaterThan(25);
  });

  it('carries a speech-like voiced signal with an SNR above 25 dB', () => {
    const x = speechLike(320 * 100);
    const { snr } = bestAlignedSnr(x, roundTrip(x), 22, 22, 3200, x.length - 64);
    expect(snr).toBeGreaterThan(25);
  });

  it('decodes digital silence to near silence', () => {
    const y = roundTrip(new Int16Array(320 * 10));
    expect(Math.max(...y.map(Math.abs))).toBeLessThan(16);
  });

  it('decodes arbitrary bytes without throwing and stays within 16 bits', () => {
    const dec = g722.createDecoder();
    const out = new Int16Array(320);
    const bytes = new Uint8Array(160);
    for (let f = 0; f < 50; f++) {
      for (let i = 0; i < 160; i++) bytes[i] = (f * 7919 + i * 104729) & 0xff;
      expect(dec.decode(bytes, out)).toBe(320);
    }
  });
});
