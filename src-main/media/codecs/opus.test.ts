import { describe, expect, it } from 'vitest';
import { MediaError } from '../../base/errors';
import { opus } from './opus';
import { bestAlignedSnr, levelDbfs, tone } from './signal-quality';

const FRAME = 960;

function speechBand(frames: number): Int16Array {
  return tone(new Int16Array(FRAME * frames), 48000, [
    [220, 6000],
    [660, 3000],
    [1500, 1500],
  ]);
}

describe('Opus codec (RFC 6716, RFC 7587)', () => {
  it('is opus/48000/2 with a dynamic payload type and useinbandfec=1 (RFC 7587 §7)', () => {
    expect([opus.name, opus.clockRate, opus.channels, opus.sampleRate]).toEqual(['opus', 48000, 2, 48000]);
    expect(opus.isStaticPayloadType).toBe(false);
    expect(opus.payloadType).toBeGreaterThanOrEqual(96);
    expect(opus.fmtp['useinbandfec']).toBe('1');
  });

  it('carries a voiced tone mix at 32 kbit/s with the waveform kept (SNR above 10 dB)', () => {
    const enc = opus.createEncoder({ bitrate: 32000 });
    const dec = opus.createDecoder();
    const x = speechBand(50);
    const y = new Int16Array(x.length);
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    let total = 0;
    for (let f = 0; f < 50; f++) {
      const n = enc.encode(x.subarray(f * FRAME, (f + 1) * FRAME), bytes);
      total += n;
      expect(dec.decode(bytes.subarray(0, n), y.subarray(f * FRAME, (f + 1) * FRAME))).toBe(FRAME);
    }
    // 32 kbit/s is 80 bytes per 20 ms on average.
    expect(total / 50).toBeGreaterThan(40);
    expect(total / 50).toBeLessThan(120);
    const { snr } = bestAlignedSnr(x, y, 0, 600, 9600, x.length - 700);
    expect(snr).toBeGreaterThan(10);
    enc.dispose();
    dec.dispose();
  });

  it('conceals a lost frame with signal (libopus PLC), not silence', () => {
    const enc = opus.createEncoder();
    const dec = opus.createDecoder();
    const x = speechBand(20);
    const out = new Int16Array(FRAME);
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    for (let f = 0; f < 20; f++) dec.decode(bytes.subarray(0, enc.encode(x.subarray(f * FRAME, (f + 1) * FRAME), bytes)), out);
    expect(dec.conceal(out)).toBe(FRAME);
    expect(levelDbfs(out)).toBeGreaterThan(levelDbfs(x) - 10);
  });

  it('sends nothing for silence once DTX has settled', () => {
    const enc = opus.createEncoder({ dtx: true });
    const bytes = new Uint8Array(opus.maxPayloadBytes);
    const silence = new Int16Array(FRAME);
    const sizes = Array.from({ length: 30 }, () => enc.encode(silence, bytes));
    expect(sizes.slice(20).filter((n) => n === 0).length).toBeGreaterThan(5);
  });

  it('rejects bad options, a wrong frame size and a garbage packet with media.codec errors', () => {
    expect(() => opus.createEncoder({ bitrate: 1000 })).toThrow(MediaError);
    expect(() => opus.createEncoder({ complexity: 11 })).toThrow(MediaError);
    const enc = opus.createEncoder();
    expect(() => enc.encode(new Int16Array(100), new Uint8Array(1500))).toThrow(MediaError);
    const dec = opus.createDecoder();
    expect(() => dec.decode(new Uint8Array(4000), new Int16Array(FRAME))).toThrow(MediaError);
    expect(() => dec.decode(new Uint8Array(0), new Int16Array(FRAME))).toThrow(MediaError);
    dec.dispose();
    dec.dispose();
    expect(() => dec.conceal(new Int16Array(FRAME))).toThrow(MediaError);
  });
});
