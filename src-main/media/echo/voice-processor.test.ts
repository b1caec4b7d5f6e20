/**
 * The voice band split for 48 kHz devices: the canceller runs at 16 kHz, so with it on, near-end
 * speech must come through the 48 → 16 → 48 kHz round trip at its level (content up to 8 kHz),
 * and the device rate must pass untouched when everything is off.
 */
import { describe, expect, it } from 'vitest';
import { sine, toInt16, toneAmplitude } from '../../../test/support/signal';
import { VoiceProcessor, VOICE_BAND_RATE } from './voice-processor';

const RATE = 48000;
const FRAME = 960;

function run(v: VoiceProcessor, input: Int16Array): Int16Array {
  const out = input.slice();
  const silence = new Int16Array(FRAME);
  for (let at = 0; at + FRAME <= out.length; at += FRAME) {
    v.playback(silence);
    v.capture(out.subarray(at, at + FRAME));
  }
  return out;
}

describe('VoiceProcessor (48 kHz device, 16 kHz voice band)', () => {
  it('runs the canceller at 16 kHz and keeps a near-end 1 kHz voice at its level (within 0.5 dB)', () => {
    const v = new VoiceProcessor({ sampleRate: RATE, settings: { echoCancellation: true, noiseSuppression: false } });
    expect(v.processingRate).toBe(VOICE_BAND_RATE);
    const out = run(v, toInt16(sine(RATE * 2, 1000, RATE, 8000)));
    const a = toneAmplitude(out.subarray(RATE), 1000, RATE);
    expect(20 * Math.log10(a / 8000)).toBeGreaterThan(-0.5);
    expect(20 * Math.log10(a / 8000)).toBeLessThan(0.5);
  });

  it('carries up to 8 kHz while it runs: a 12 kHz tone is taken out (≥ 40 dB), and passes untouched when off', () => {
    const tone = toInt16(sine(RATE, 12000, RATE, 8000));
    const on = run(new VoiceProcessor({ sampleRate: RATE, settings: { echoCancellation: true, noiseSuppression: false } }), tone);
    expect(20 * Math.log10(toneAmplitude(on.subarray(RATE / 2), 12000, RATE) / 8000)).toBeLessThan(-40);
    const off = run(new VoiceProcessor({ sampleRate: RATE, settings: { echoCancellation: false, noiseSuppression: false } }), tone);
    expect(off).toEqual(tone);
  });

  it('runs at the device rate itself at 16 kHz and below', () => {
    expect(new VoiceProcessor({ sampleRate: 8000, settings: { echoCancellation: true, noiseSuppression: true } }).processingRate).toBe(8000);
    expect(new VoiceProcessor({ sampleRate: 16000, settings: { echoCancellation: true, noiseSuppression: true } }).processingRate).toBe(16000);
  });
});
