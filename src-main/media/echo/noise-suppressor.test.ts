import { describe, expect, it } from 'vitest';
import { gaussian, sine, speechLike } from '../../../test/support/signal';
import { NoiseSuppressor } from './noise-suppressor';

/** Least-squares fit of a sine at `freq` over x[from..to): returns the fitted signal's power and the residual power. */
function toneAndResidual(x: ArrayLike<number>, freq: number, rate: number, from: number, to: number) {
  let sc = 0;
  let ss = 0;
  for (let i = from; i < to; i++) {
    sc += x[i]! * Math.cos((2 * Math.PI * freq * i) / rate);
    ss += x[i]! * Math.sin((2 * Math.PI * freq * i) / rate);
  }
  const n = to - from;
  const a = (2 * sc) / n;
  const b = (2 * ss) / n;
  let res = 0;
  for (let i = from; i < to; i++) {
    const fit = a * Math.cos((2 * Math.PI * freq * i) / rate) + b * Math.sin((2 * Math.PI * freq * i) / rate);
    res += (x[i]! - fit) ** 2;
  }
  return { tone: ((a * a + b * b) / 2) * n, residual: res };
}

function runNs(ns: NoiseSuppressor, x: Int16Array): { out: Int16Array; msPerFrame: number } {
  const f = ns.frameSamples;
  const out = new Int16Array(x.length);
  const t0 = performance.now();
  for (let at = 0; at + f <= x.length; at += f) ns.process(x.subarray(at, at + f), out.subarray(at, at + f));
  return { out, msPerFrame: (performance.now() - t0) / (x.length / f) };
}

describe('NoiseSuppressor (Wiener, decision-directed)', () => {
  it('improves the SNR of a gated 1 kHz tone in white noise by ≥ 10 dB and keeps the tone within 1 dB', () => {
    // A steady tone is stationary and would be learnt as noise (like mains hum): gate it like
    // speech, 300 ms on / 200 ms off, starting after one second of noise alone.
    const rate = 16000;
    const n = rate * 5;
    const on = (i: number) => i >= rate && (i - rate) % 8000 < 4800;
    const tone = sine(n, 1000, rate, 3000).map((v, i) => (on(i) ? v : 0));
    const noise = gaussian(n, 1000, 4);
    const x = Int16Array.from(tone, (v, i) => Math.round(v + noise[i]!));
    const ns = new NoiseSuppressor({ sampleRate: rate });
    const { out, msPerFrame } = runNs(ns, x);
    const shifted = out.subarray(ns.blockSize); // one block of latency
    let tIn = 0;
    let rIn = 0;
    let tOut = 0;
    let rOut = 0;
    for (let start = 2 * rate; start + 4800 <= n - 200; start += 8000) {
      const a = toneAndResidual(x, 1000, rate, start + 800, start + 4000);
      const b = toneAndResidual(shifted, 1000, rate, start + 800, start + 4000);
      tIn += a.tone;
      rIn += a.residual;
      tOut += b.tone;
      rOut += b.residual;
    }
    const snrIn = 10 * Math.log10(tIn / rIn);
    const snrOut = 10 * Math.log10(tOut / rOut);
    process.stdout.write(`noise suppression: SNR ${snrIn.toFixed(1)} → ${snrOut.toFixed(1)} dB, tone level ${(10 * Math.log10(tOut / tIn)).toFixed(2)} dB, cost ${msPerFrame.toFixed(3)} ms per 20 ms frame` + '\n');
    expect(snrOut - snrIn).toBeGreaterThanOrEqual(10);
    expect(Math.abs(10 * Math.log10(tOut / tIn))).toBeLessThan(1);
  });

  it('attenuates stationary noise alone by close to its floor (20 dB) and passes speech-like bursts', () => {
    const rate = 8000;
    const n = rate * 4;
    const noise = gaussian(n, 300, 8);
    const speech = speechLike(n, rate, 3000, 2);
    const noiseOnly = Int16Array.from(noise, (v) => Math.round(v));
    const ns = new NoiseSuppressor({ sampleRate: rate });
    const { out } = runNs(ns, noiseOnly);
    let pin = 0;
    let pout = 0;
    for (let i = 2 * rate; i < n - 100; i++) {
      pin += noiseOnly[i]! ** 2;
      pout += out[i]! ** 2;
    }
    expect(10 * Math.log10(pin / pout)).toBeGreaterThan(15);
    // Speech 20 dB above the noise keeps its level within 2 dB.
    const mixed = Int16Array.from(speech, (v, i) => Math.round(v + noise[i]!));
    const res = runNs(new NoiseSuppressor({ sampleRate: rate }), mixed).out;
    let ps = 0;
    let po = 0;
    for (let i = 2 * rate; i < n - 100; i++) {
      ps += speech[i]! ** 2;
      po += res[i]! ** 2;
    }
    expect(Math.abs(10 * Math.log10(ps / po))).toBeLessThan(2);
  });
});
