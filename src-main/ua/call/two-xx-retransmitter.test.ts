import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { TwoXxRetransmitter } from './two-xx-retransmitter';

describe('TwoXxRetransmitter (RFC 3261 §13.3.1.4)', () => {
  it('re-sends the 2xx over UDP at 0.5, 1.5, 3.5, 7.5, 11.5 s … until the ACK', () => {
    const clock = new FakeClock();
    const sent: number[] = [];
    const r = new TwoXxRetransmitter({ clock, reliable: false, send: () => sent.push(clock.now()), onAckTimeout: () => {} });
    clock.advance(12_000);
    expect(sent).toEqual([500, 1500, 3500, 7500, 11500]);
    r.stop();
    clock.advance(60_000);
    expect(sent).toHaveLength(5);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives up after 64·T1 = 32 s without an ACK', () => {
    const clock = new FakeClock();
    let timedOut = 0;
    new TwoXxRetransmitter({ clock, reliable: false, send: () => {}, onAckTimeout: () => timedOut++ });
    clock.advance(31_999);
    expect(timedOut).toBe(0);
    clock.advance(1);
    expect(timedOut).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('never re-sends over a reliable transport but still times out', () => {
    const clock = new FakeClock();
    let sent = 0;
    let timedOut = 0;
    new TwoXxRetransmitter({ clock, reliable: true, send: () => sent++, onAckTimeout: () => timedOut++ });
    clock.advance(40_000);
    expect(sent).toBe(0);
    expect(timedOut).toBe(1);
  });
});
