import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { toneAmplitude } from '../../../test/support/signal';
import type { AudioBackend } from '../../audio/device';
import { captureOutput } from '../../../test/support/capture-output';
import { Ringer } from './ringer';

function capture() {
  const c = captureOutput();
  return { backend: c.backend, frames: c.frames, counts: () => ({ opened: c.state.opened, closed: c.state.closed }) };
}

const join = (frames: Int16Array[]) => Int16Array.from(frames.flatMap((f) => [...f]));

describe('Ringer', () => {
  it('plays the ringtone cadence (440+480 Hz, 0.4 s on, 0.2 s off) on its device at 16 kHz', () => {
    const clock = new FakeClock();
    const out = capture();
    const ringer = new Ringer({ backend: out.backend, clock });
    ringer.play('ringtone');
    clock.advance(3000);
    expect(out.frames.length).toBeGreaterThanOrEqual(150);
    const burst = join(out.frames.slice(2, 18)); // 40–360 ms: tone
    const gap = join(out.frames.slice(21, 29)); // 420–580 ms: silence
    expect(toneAmplitude(burst, 440, 16000)).toBeGreaterThan(1000);
    expect(toneAmplitude(burst, 480, 16000)).toBeGreaterThan(1000);
    expect(toneAmplitude(gap, 440, 16000)).toBeLessThan(10);
    ringer.stop();
    expect(clock.pendingTimers()).toBe(0);
    expect(out.counts()).toEqual({ opened: 1, closed: 1 });
  });

  it('switches to the call-waiting tone (EU 425 Hz) without reopening the device', () => {
    const clock = new FakeClock();
    const out = capture();
    const ringer = new Ringer({ backend: out.backend, clock, country: 'eu' });
    ringer.play('ringtone');
    clock.advance(100);
    ringer.play('callWaiting');
    const from = out.frames.length;
    clock.advance(180);
    const tone = join(out.frames.slice(from, from + 8));
    expect(toneAmplitude(tone, 425, 16000)).toBeGreaterThan(1000);
    expect(ringer.playing).toBe('callWaiting');
    expect(out.counts().opened).toBe(1);
    ringer.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps the cadence when its timer fires late', () => {
    const clock = new FakeClock();
    const out = capture();
    const ringer = new Ringer({ backend: out.backend, clock });
    ringer.play('ringtone');
    clock.advance(10_000);
    // 10 s at 20 ms a frame, whatever the wake-ups: 500 frames (+1 written at start).
    expect(out.frames.length).toBe(501);
    ringer.stop();
  });

  it('goes on silently when the ringer device cannot open', () => {
    const clock = new FakeClock();
    const backend = { name: 'x', listDevices: () => [], openInput: () => null, openOutput: () => { throw new Error('busy'); } } as unknown as AudioBackend;
    const ringer = new Ringer({ backend, clock });
    ringer.play('ringtone');
    expect(ringer.playing).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });
});
