import { describe, expect, it } from 'vitest';
import { MAX_DROPOUT, SequenceTracker } from './sequence';

describe('SequenceTracker (RFC 3550 A.1, A.3)', () => {
  it('holds a new source on probation until two packets arrive in sequence', () => {
    const t = new SequenceTracker();
    expect(t.update(100)).toBe('probation');
    expect(t.update(101)).toBe('valid');
    expect(t.update(102)).toBe('valid');
    expect(t.received).toBe(2);
    expect(t.expected).toBe(2);
  });

  it('counts cycles across the 65535 -> 0 wrap and extends a late packet into the old cycle', () => {
    const t = new SequenceTracker();
    for (const s of [65533, 65534, 65535, 0, 1]) t.update(s);
    expect(t.cycles).toBe(65536);
    expect(t.extendedMax).toBe(65537);
    expect(t.update(65532)).toBe('valid');
    expect(t.lastExtended).toBe(65532);
    expect(t.extendedMax).toBe(65537);
  });

  it('computes cumulative and fraction lost per interval', () => {
    const t = new SequenceTracker();
    t.update(0);
    for (let s = 1; s < 100; s++) if (s % 10 !== 5) t.update(s);
    expect(t.expected).toBe(99);
    expect(t.cumulativeLost).toBe(10);
    expect(t.takeFractionLost()).toBe(Math.floor((10 * 256) / 99));
    for (let s = 100; s < 200; s++) t.update(s);
    expect(t.takeFractionLost()).toBe(0);
    expect(t.cumulativeLost).toBe(10);
  });

  it('calls duplicates negative loss and clamps nothing for small values', () => {
    const t = new SequenceTracker();
    for (const s of [1, 2, 3, 3, 3]) t.update(s);
    expect(t.cumulativeLost).toBe(-2);
  });

  it('treats a big jump as bad once and as a restart when the next packet follows it', () => {
    const t = new SequenceTracker();
    for (const s of [10, 11, 12]) t.update(s);
    const far = 12 + MAX_DROPOUT + 10;
    expect(t.update(far)).toBe('bad');
    expect(t.update(far + 1)).toBe('restarted');
    expect(t.baseSeq).toBe(far + 1);
    expect(t.update(far + 2)).toBe('valid');
  });
});
