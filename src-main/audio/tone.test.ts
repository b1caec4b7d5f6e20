import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock';
import { rms, toneAmplitude } from '../../test/support/signal';
import { dtmfFrequencies, dtmfTone, openToneInput, TONE_PLANS, ToneGenerator } from './tone';

function render(gen: ToneGenerator, ms: number): Int16Array {
  const frame = new Int16Array((gen.sampleRate * 20) / 1000);
  const out = new Int16Array((gen.sampleRate * ms) / 1000);
  for (let at = 0; at < out.length; at += frame.length) {
    gen.readFrame(frame);
    out.set(frame, at);
  }
  return out;
}

const slice = (x: Int16Array, rate: number, fromMs: number, toMs: number) => x.subarray((rate * fromMs) / 1000, (rate * toMs) / 1000);

describe('ToneGenerator', () => {
  it('plays US ringback as 440+480 Hz for 2 s then 4 s of silence, repeating', () => {
    const out = render(new ToneGenerator(TONE_PLANS.us.ringback, 8000), 12_000);
    const on = slice(out, 8000, 100, 1900);
    expect(toneAmplitude(on, 440, 8000)).toBeGreaterThan(3000);
    expect(toneAmplitude(on, 480, 8000)).toBeGreaterThan(3000);
    expect(toneAmplitude(on, 425, 8000)).toBeLessThan(300);
    expect(rms(slice(out, 8000, 2050, 5950))).toBe(0);
    expect(toneAmplitude(slice(out, 8000, 6100, 7900), 440, 8000)).toBeGreaterThan(3000);
  });

  it('plays EU ringback as 425 Hz for 1 s then 4 s of silence', () => {
    const out = render(new ToneGenerator(TONE_PLANS.eu.ringback, 16000), 6000);
    expect(toneAmplitude(slice(out, 16000, 100, 900), 425, 16000)).toBeGreaterThan(3000);
    expect(rms(slice(out, 16000, 1050, 4950))).toBe(0);
    expect(toneAmplitude(slice(out, 16000, 5100, 5900), 425, 16000)).toBeGreaterThan(3000);
  });

  it('plays busy at 0.5 s on, 0.5 s off (EU 425 Hz, US 480+620 Hz)', () => {
    const eu = render(new ToneGenerator(TONE_PLANS.eu.busy, 8000), 2000);
    expect(toneAmplitude(slice(eu, 8000, 50, 450), 425, 8000)).toBeGreaterThan(3000);
    expect(rms(slice(eu, 8000, 520, 980))).toBe(0);
    const us = render(new ToneGenerator(TONE_PLANS.us.busy, 8000), 1000);
    expect(toneAmplitude(slice(us, 8000, 50, 450), 620, 8000)).toBeGreaterThan(3000);
  });

  it('plays the EU call-waiting tone as two 200 ms bursts', () => {
    const out = render(new ToneGenerator(TONE_PLANS.eu.callWaiting, 8000), 1000);
    expect(toneAmplitude(slice(out, 8000, 20, 180), 425, 8000)).toBeGreaterThan(3000);
    expect(rms(slice(out, 8000, 210, 390))).toBe(0);
    expect(toneAmplitude(slice(out, 8000, 420, 580), 425, 8000)).toBeGreaterThan(3000);
    expect(rms(slice(out, 8000, 610, 1000))).toBe(0);
  });

  it('ramps tone edges instead of starting at full amplitude (no clicks)', () => {
    const out = render(new ToneGenerator(TONE_PLANS.eu.busy, 8000), 20);
    expect(Math.abs(out[1]!)).toBeLessThan(400);
  });

  it('plays a DTMF key as its Q.23 pair once, then reports the end', () => {
    expect(dtmfFrequencies('5')).toEqual([770, 1336]);
    expect(dtmfFrequencies('#')).toEqual([941, 1477]);
    expect(dtmfFrequencies('d')).toEqual([941, 1633]);
    expect(() => dtmfFrequencies('x')).toThrow(/not a DTMF key/);
    expect(() => dtmfFrequencies('12')).toThrow(/not a DTMF key/);
    const gen = new ToneGenerator(dtmfTone('9'), 8000);
    const out = render(gen, 100);
    expect(toneAmplitude(out, 852, 8000)).toBeGreaterThan(5000);
    expect(toneAmplitude(out, 1477, 8000)).toBeGreaterThan(5000);
    expect(toneAmplitude(out, 697, 8000)).toBeLessThan(500);
    const frame = new Int16Array(160);
    expect(gen.readFrame(frame)).toBe(true); // the trailing silence
    expect(gen.finished).toBe(true);
    expect(gen.readFrame(frame)).toBe(false);
    gen.reset();
    expect(gen.finished).toBe(false);
  });

  it('rejects a plan with frequencies above Nyquist', () => {
    expect(() => new ToneGenerator({ name: 'bad', repeat: true, segments: [{ freqs: [5000], ms: 100 }] }, 8000)).toThrow(/bad segment/);
  });

  it('as an input stream, delivers one frame every 20 ms of the clock', async () => {
    const clock = new FakeClock();
    const stream = openToneInput(clock, TONE_PLANS.us.busy, { sampleRate: 8000 });
    const frames: number[] = [];
    stream.on('frame', (f) => frames.push(rms(f)));
    clock.advance(400);
    expect(frames).toHaveLength(20);
    expect(frames.every((r) => r > 1000)).toBe(true);
    await stream.close();
    expect(clock.pendingTimers()).toBe(0);
  });
});
