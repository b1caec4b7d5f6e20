/**
 * The echo path's bulk delay from envelopes: speech-like far-end audio comes back into the
 * microphone `delay` ms later (at -10 dB, over hiss at -60 dBFS), with or without the near end
 * talking at the same time; the estimate must land within one envelope step (10 ms).
 */
import { describe, expect, it } from 'vitest';
import { gaussian, irregularSpeech } from '../../../test/support/signal';
import { EchoDelayEstimator, type EchoDelayEstimate } from './echo-delay-estimator';

const RATE = 16000;
const FRAME = 320;

function run(delayMs: number, seconds: number, options: { near?: boolean; farSilent?: boolean } = {}) {
  const n = RATE * seconds;
  const far = options.farSilent ? new Float64Array(n) : irregularSpeech(n, RATE, 3000, 5);
  const near = options.near ? irregularSpeech(n, RATE, 1000, 8) : new Float64Array(n);
  const hiss = gaussian(n, 30, 2);
  const d = Math.round((delayMs * RATE) / 1000);
  const est = new EchoDelayEstimator(RATE, 600);
  const mic = new Int16Array(FRAME);
  const played = new Int16Array(FRAME);
  const found: EchoDelayEstimate[] = [];
  for (let at = 0; at + FRAME <= n; at += FRAME) {
    for (let i = 0; i < FRAME; i++) {
      const t = at + i;
      played[i] = Math.round(far[t]!);
      mic[i] = Math.round(0.3 * (t >= d ? far[t - d]! : 0) + near[t]! + hiss[t]!);
    }
    const e = est.update(mic, played);
    if (e) found.push(e);
  }
  return { est, found };
}

describe('EchoDelayEstimator', () => {
  it.each([0, 80, 250, 520])('finds an echo %i ms late within 10 ms, in under 6 s of far-end speech', (delayMs) => {
    const { est, found } = run(delayMs, 6);
    expect(est.estimate).toBeDefined();
    expect(Math.abs(est.estimate!.delayMs - delayMs)).toBeLessThanOrEqual(10);
    expect(est.estimate!.correlation).toBeGreaterThan(0.8);
    expect(found).toHaveLength(1);
  });

  it('still finds it while the near end talks over the echo (double talk lowers the peak, does not move it)', () => {
    const { est } = run(180, 8, { near: true });
    expect(Math.abs(est.estimate!.delayMs - 180)).toBeLessThanOrEqual(10);
  });

  it('says nothing while the far end is silent (no reference to match)', () => {
    const { est, found } = run(100, 6, { farSilent: true });
    expect(est.estimate).toBeUndefined();
    expect(found).toHaveLength(0);
  });
});
