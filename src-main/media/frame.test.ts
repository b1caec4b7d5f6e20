import { describe, expect, it } from 'vitest';
import { createFrame, FRAME_MS, samplesPerFrame } from './frame';

describe('media frame contract', () => {
  it('has 20 ms frames of 160, 320, 882 and 960 samples at 8k, 16k, 44.1k and 48k', () => {
    expect(FRAME_MS).toBe(20);
    expect([8000, 16000, 44100, 48000].map(samplesPerFrame)).toEqual([160, 320, 882, 960]);
  });

  it('rejects a rate that gives no whole frame', () => {
    expect(() => samplesPerFrame(11025)).toThrow(RangeError);
    expect(() => samplesPerFrame(0)).toThrow(RangeError);
  });

  it('creates a zeroed frame of the right length', () => {
    const f = createFrame(16000);
    expect(f.length).toBe(320);
    expect(f.every((s) => s === 0)).toBe(true);
  });
});
