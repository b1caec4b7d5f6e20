import { describe, expect, it } from 'vitest';
import { JitterBuffer } from './jitter-buffer';

/**
 * A sender that bursts out a backlog (baresip's WAV source does at call start: ~0.7 s of audio
 * in the first few hundred ms) must not leave the buffer long, nor be cut down 20 ms at a time
 * over many seconds, which warps the speech: the excess is removed in one step.
 */
describe('JitterBuffer with a burst of queued audio', () => {
  it('sheds a 700 ms backlog within 5 s in a few cuts, then plays every frame in order', () => {
    const jb = new JitterBuffer({ clockRate: 8000, minDelayMs: 20, maxDelayMs: 300, initialDelayMs: 60 });
    const payload = new Uint8Array(160);
    let seq = 0;
    const put = (at: number) => {
      payload[0] = seq & 0xff;
      jb.put(seq, seq * 160, payload, at);
      seq++;
    };
    // 35 frames (700 ms) arrive within the first 100 ms, then one every 20 ms.
    for (let i = 0; i < 35; i++) put((i * 100) / 35);
    const played: { tick: number; seq: number }[] = [];
    for (let tick = 0; tick < 500; tick++) {
      const now = 100 + tick * 20;
      put(now);
      const r = jb.get();
      if (r.kind === 'frame') played.push({ tick, seq: r.seq });
    }
    // Discontinuities in what was played, and when they happened.
    const jumps = played.filter((p, i) => i > 0 && p.seq !== played[i - 1]!.seq + 1).map((p) => p.tick);
    expect(jumps.length).toBeGreaterThan(0);
    expect(jumps.length).toBeLessThanOrEqual(8);
    expect(Math.max(...jumps)).toBeLessThan(250); // all within the first 5 s
    expect(jb.stats.delayMs).toBeLessThanOrEqual(120);
    expect(jb.stats.dropped).toBeGreaterThanOrEqual(20);
  });
});
