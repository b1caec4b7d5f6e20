import { describe, expect, it } from 'vitest';
import { JitterBuffer } from './jitter-buffer';

/** Deterministic PRNG (mulberry32) so every run sees the same network. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface NetworkProfile {
  /** Extra one-way delay, uniform in [0, jitterMs]. */
  readonly jitterMs: number;
  /** Independent loss probability. */
  readonly loss: number;
  /** Probability per packet of entering a loss burst of `burstLen` packets. */
  readonly burstStart?: number;
  readonly burstLen?: number;
  /** Sender clock error in ppm (+ = sender fast). */
  readonly driftPpm: number;
  readonly minutes: number;
  readonly seed: number;
}

interface SimResult {
  readonly gets: number;
  readonly sent: number;
  readonly networkLost: number;
  readonly frames: number;
  readonly maxDelayMs: number;
  readonly meanDelayMs: number;
  readonly delayAt: (minute: number) => number;
  readonly jb: JitterBuffer;
}

/**
 * Sender ticks every 20 ms of its own clock; the network delays (30 ms + jitter) and drops;
 * the receiver gets every 20 ms of virtual time. Puts due before a get happen first.
 */
function simulate(p: NetworkProfile): SimResult {
  const rnd = prng(p.seed);
  const jb = new JitterBuffer({ clockRate: 8000, minDelayMs: 20, maxDelayMs: 300 });
  const payload = new Uint8Array(160);
  const arrivals: { at: number; seq: number; ts: number }[] = [];
  const durationMs = p.minutes * 60_000;
  const senderPeriod = 20 / (1 + p.driftPpm * 1e-6);
  let networkLost = 0;
  let burstLeft = 0;
  let sent = 0;
  for (let k = 0; k * senderPeriod < durationMs; k++) {
    sent++;
    if (burstLeft === 0 && p.burstStart !== undefined && rnd() < p.burstStart) burstLeft = p.burstLen ?? 3;
    if (burstLeft > 0) {
      burstLeft--;
      networkLost++;
      continue;
    }
    if (rnd() < p.loss) {
      networkLost++;
      continue;
    }
    arrivals.push({ at: k * senderPeriod + 30 + rnd() * p.jitterMs, seq: (5000 + k) & 0xffff, ts: (123456 + k * 160) >>> 0 });
  }
  arrivals.sort((a, b) => a.at - b.at);
  let next = 0;
  let frames = 0;
  let maxDelay = 0;
  let sumDelay = 0;
  const perMinute: number[] = [];
  const gets = Math.floor(durationMs / 20);
  for (let g = 0; g < gets; g++) {
    const now = g * 20;
    while (next < arrivals.length && arrivals[next]!.at <= now) {
      const a = arrivals[next++]!;
      jb.put(a.seq, a.ts, payload, a.at);
    }
    if (jb.get().kind === 'frame') frames++;
    const d = jb.stats.delayMs;
    if (g > 500) maxDelay = Math.max(maxDelay, d);
    sumDelay += d;
    if (g % 3000 === 2999) perMinute.push(d);
  }
  return {
    gets,
    sent,
    networkLost,
    frames,
    maxDelayMs: maxDelay,
    meanDelayMs: sumDelay / gets,
    delayAt: (m) => perMinute[m] ?? NaN,
    jb,
  };
}

describe('JitterBuffer on a simulated network (virtual time, 10 minutes)', () => {
  it.each([
    { jitterMs: 0, loss: 0 },
    { jitterMs: 40, loss: 0.05 },
    { jitterMs: 80, loss: 0.2 },
  ])('keeps the delay bounded and conceals about as much as is lost (jitter $jitterMs ms, loss $loss)', ({ jitterMs, loss }) => {
    const r = simulate({ jitterMs, loss, driftPpm: 0, minutes: 10, seed: 7 });
    const st = r.jb.stats;
    // Delay follows the jitter: enough to cover it (few late packets, the window allows 1 %),
    // not much more.
    expect(r.maxDelayMs).toBeLessThanOrEqual(300);
    expect(r.meanDelayMs).toBeLessThanOrEqual(jitterMs + 60);
    expect(st.late / r.sent).toBeLessThan(0.02);
    // What is concealed is what the network lost, plus the few late ones.
    const lostFraction = r.networkLost / r.sent;
    expect(Math.abs(st.concealed / r.gets - lostFraction)).toBeLessThan(0.01 + lostFraction * 0.1);
    expect(st.resyncs).toBe(0);
    expect(r.frames).toBeGreaterThanOrEqual(r.sent - r.networkLost - st.late - st.dropped - 5);
    // Few audible adaptations: well under one drop or stretch per second.
    expect(st.stretched + st.dropped).toBeLessThan(r.gets / 500);
  });

  it('rides out loss bursts of 5 packets without growing the delay', () => {
    const r = simulate({ jitterMs: 20, loss: 0.01, burstStart: 0.01, burstLen: 5, driftPpm: 0, minutes: 10, seed: 11 });
    const st = r.jb.stats;
    expect(r.meanDelayMs).toBeLessThan(100);
    expect(st.late / r.sent).toBeLessThan(0.02);
    // Every packet that came in time is played; a burst is concealed for 60 ms (PLC has faded
    // by then) and the rest plays as silence, so between 3/5 and all of the lost frames.
    expect(r.frames).toBeGreaterThanOrEqual(r.sent - r.networkLost - st.late - st.dropped - 5);
    expect(st.concealed).toBeLessThanOrEqual(r.networkLost + st.late);
    expect(st.concealed).toBeGreaterThanOrEqual(r.networkLost * 0.6);
    // Holding the play point on underflow does not pay off against losses: it stops.
    expect(st.stretched + st.dropped).toBeLessThan(r.networkLost * 0.1);
  });

  it('reorders packets that jitter swaps (80 ms jitter) and counts them', () => {
    const r = simulate({ jitterMs: 80, loss: 0, driftPpm: 0, minutes: 2, seed: 3 });
    expect(r.jb.stats.reordered).toBeGreaterThan(100);
    expect(r.jb.stats.late / r.sent).toBeLessThan(0.02);
  });

  it.each([100, -100])('neither grows nor starves with a sender clock off by %i ppm', (ppm) => {
    const r = simulate({ jitterMs: 30, loss: 0.02, driftPpm: ppm, minutes: 10, seed: 5 });
    const st = r.jb.stats;
    const early = r.delayAt(1);
    const late = r.delayAt(9);
    expect(Math.abs(late - early)).toBeLessThanOrEqual(40);
    expect(r.maxDelayMs).toBeLessThanOrEqual(160);
    expect(st.late / r.sent).toBeLessThan(0.02);
    expect(st.resyncs).toBe(0);
    // 100 ppm over 10 minutes is 3 frames: the buffer dropped (fast) or stretched (slow) for them.
    if (ppm > 0) expect(st.dropped).toBeGreaterThanOrEqual(2);
    else expect(st.stretched).toBeGreaterThanOrEqual(2);
  });
});

describe('JitterBuffer API', () => {
  const payload = new Uint8Array([1, 2, 3]);

  it('copies payloads and returns them with their sequence number and timestamp', () => {
    const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 20, minDelayMs: 20 });
    const p = new Uint8Array([9, 8, 7]);
    expect(jb.put(10, 1600, p, 0, { marker: true })).toBe('queued');
    p.fill(0);
    expect(jb.get()).toEqual({ kind: 'empty' });
    const r = jb.get();
    expect(r.kind).toBe('frame');
    if (r.kind === 'frame') {
      expect([...r.payload]).toEqual([9, 8, 7]);
      expect([r.seq, r.timestamp, r.marker]).toEqual([10, 1600, true]);
    }
  });

  it('hands the next payload to a lost slot so the decoder can use its FEC', () => {
    const jb = new JitterBuffer({ clockRate: 48000, initialDelayMs: 40, minDelayMs: 40 });
    jb.put(1, 0, payload, 0);
    jb.put(3, 1920, new Uint8Array([42]), 0);
    jb.get();
    jb.get();
    expect(jb.get().kind).toBe('frame');
    const lost = jb.get();
    expect(lost.kind).toBe('lost');
    if (lost.kind === 'lost') expect([...(lost.next ?? [])]).toEqual([42]);
  });

  it('handles timestamp and sequence wrap-around without a resync', () => {
    const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 20, minDelayMs: 20 });
    let frames = 0;
    for (let k = 0; k < 100; k++) {
      jb.put((65500 + k) & 0xffff, (0xffffff00 + k * 160) >>> 0, payload, k * 20);
      if (jb.get().kind === 'frame') frames++;
    }
    expect(jb.stats.resyncs).toBe(0);
    expect(jb.stats.lost).toBe(0);
    expect(frames).toBe(99);
  });

  it('restarts its timeline when the SSRC changes', () => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    jb.put(1, 0, payload, 0, { ssrc: 1 });
    expect(jb.put(2, 160, payload, 20, { ssrc: 2 })).toBe('resync');
    expect(jb.stats.resyncs).toBe(1);
  });

  it('refuses a payload larger than its slots', () => {
    const jb = new JitterBuffer({ clockRate: 8000, maxPayloadBytes: 200 });
    expect(jb.put(1, 0, new Uint8Array(201), 0)).toBe('oversize');
    expect(jb.stats.discarded).toBe(1);
  });
});
