import { describe, expect, it } from 'vitest';
import { deriveTimers } from './timers';

describe('deriveTimers (RFC 3261 Table 4, RFC 6026)', () => {
  it('gives the RFC values over UDP with the default T1, T2, T4', () => {
    const t = deriveTimers({ t1: 500, t2: 4000, t4: 5000 }, false);
    expect(t).toMatchObject({ A: 500, B: 32_000, D: 32_000, E: 500, F: 32_000, G: 500, H: 32_000, I: 5000, J: 32_000, K: 5000, L: 32_000, M: 32_000 });
    expect(t.isReliable).toBe(false);
  });

  it('sets D, I, J and K to 0 over a reliable transport, keeping B, F, H, L, M', () => {
    const t = deriveTimers({ t1: 500, t2: 4000, t4: 5000 }, true);
    expect(t).toMatchObject({ D: 0, I: 0, J: 0, K: 0, B: 32_000, F: 32_000, H: 32_000, L: 32_000, M: 32_000, isReliable: true });
  });

  it('scales with T1 but keeps Timer D at least 32 s over UDP', () => {
    const small = deriveTimers({ t1: 100, t2: 4000, t4: 5000 }, false);
    expect(small.B).toBe(6400);
    expect(small.D).toBe(32_000);
    const big = deriveTimers({ t1: 1000, t2: 4000, t4: 5000 }, false);
    expect(big.D).toBe(64_000);
  });
});
