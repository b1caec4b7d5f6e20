import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { dtmfEventCode, readTelephoneEvent, TelephoneEventReceiver, TelephoneEventSender, type DtmfDigit } from './telephone-event';

interface Sent {
  marker: boolean;
  ts: number;
  event: number;
  end: boolean;
  duration: number;
}

function drive(sender: TelephoneEventSender, ticks: number, startTs = 1000): (Sent | undefined)[] {
  const out: (Sent | undefined)[] = [];
  for (let i = 0; i < ticks; i++) {
    const p = sender.tick(startTs + i * 160);
    if (!p) out.push(undefined);
    else {
      const e = readTelephoneEvent(p.payload, 0, 4)!;
      out.push({ marker: p.marker, ts: p.timestamp, event: e.event, end: e.end, duration: e.duration });
    }
  }
  return out;
}

describe('TelephoneEventSender (RFC 4733 §2.5.1)', () => {
  it('sends a 100 ms "5" as 5 packets on one timestamp with growing duration, marker first, then 3 end packets', () => {
    const s = new TelephoneEventSender({ gapPackets: 0 });
    s.send('5', 100);
    const out = drive(s, 9);
    expect(out.slice(0, 7)).toEqual([
      { marker: true, ts: 1000, event: 5, end: false, duration: 160 },
      { marker: false, ts: 1000, event: 5, end: false, duration: 320 },
      { marker: false, ts: 1000, event: 5, end: false, duration: 480 },
      { marker: false, ts: 1000, event: 5, end: false, duration: 640 },
      { marker: false, ts: 1000, event: 5, end: true, duration: 800 },
      { marker: false, ts: 1000, event: 5, end: true, duration: 800 },
      { marker: false, ts: 1000, event: 5, end: true, duration: 800 },
    ]);
    expect(out.slice(7)).toEqual([undefined, undefined]);
    expect(s.isBusy).toBe(false);
  });

  it('starts the next queued digit on a new timestamp after the gap', () => {
    const s = new TelephoneEventSender({ gapPackets: 2 });
    s.send('#', 40);
    s.send('A', 40);
    const out = drive(s, 12);
    const firsts = out.filter((p) => p?.marker);
    expect(firsts.map((p) => [p!.event, p!.ts])).toEqual([[11, 1000], [12, 1000 + 6 * 160]]);
    expect(out[5]).toBeUndefined();
  });

  it('rejects a non-DTMF character with a ValidationError', () => {
    expect(() => new TelephoneEventSender().send('x')).toThrow(/not a DTMF digit/);
    expect(dtmfEventCode('*')).toBe(10);
    expect(dtmfEventCode('d')).toBe(15);
  });
});

function receiver(clock: FakeClock): { rx: TelephoneEventReceiver; digits: [DtmfDigit, number, string][]; starts: DtmfDigit[] } {
  const digits: [DtmfDigit, number, string][] = [];
  const starts: DtmfDigit[] = [];
  const rx = new TelephoneEventReceiver({ clock, delegate: { onDigit: (d, ms, why) => digits.push([d, ms, why]), onDigitStart: (d) => starts.push(d) } });
  return { rx, digits, starts };
}

function pkt(event: number, end: boolean, duration: number): Uint8Array {
  return Uint8Array.of(event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff);
}

describe('TelephoneEventReceiver (RFC 4733 §2.5.2)', () => {
  it('reports a digit once with its duration, ignoring the redundant end packets', () => {
    const clock = new FakeClock();
    const { rx, digits, starts } = receiver(clock);
    const s = new TelephoneEventSender();
    s.send('7', 120);
    for (let i = 0; i < 10; i++) {
      const p = s.tick(5000 + i * 160);
      if (p) rx.onPacket(p.timestamp, p.payload, 0, 4);
      clock.advance(20);
    }
    expect(starts).toEqual(['7']);
    expect(digits).toEqual([['7', 120, 'end-bit']]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('detects a digit whose first packet (with the marker) was lost, and one sent twice (duplicates)', () => {
    const clock = new FakeClock();
    const { rx, digits } = receiver(clock);
    rx.onPacket(100, pkt(1, false, 320), 0, 4);
    rx.onPacket(100, pkt(1, false, 320), 0, 4);
    rx.onPacket(100, pkt(1, true, 480), 0, 4);
    rx.onPacket(100, pkt(1, true, 480), 0, 4);
    expect(digits).toEqual([['1', 60, 'end-bit']]);
  });

  it('ends a digit by timeout when all end packets are lost', () => {
    const clock = new FakeClock();
    const { rx, digits } = receiver(clock);
    rx.onPacket(100, pkt(9, false, 160), 0, 4);
    clock.advance(20);
    rx.onPacket(100, pkt(9, false, 320), 0, 4);
    clock.advance(299);
    expect(digits).toEqual([]);
    clock.advance(1);
    expect(digits).toEqual([['9', 40, 'timeout']]);
    // A late end packet of that event changes nothing.
    rx.onPacket(100, pkt(9, true, 800), 0, 4);
    expect(digits).toHaveLength(1);
  });

  it('ends the current digit when a packet with a newer timestamp starts the next one', () => {
    const clock = new FakeClock();
    const { rx, digits } = receiver(clock);
    rx.onPacket(100, pkt(2, false, 160), 0, 4);
    rx.onPacket(2000, pkt(3, false, 160), 0, 4);
    rx.onPacket(2000, pkt(3, true, 320), 0, 4);
    // A straggler from the first event is ignored.
    rx.onPacket(100, pkt(2, true, 480), 0, 4);
    expect(digits).toEqual([['2', 20, 'superseded'], ['3', 40, 'end-bit']]);
    rx.dispose();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('ignores payloads that are too short or carry a non-DTMF event', () => {
    const clock = new FakeClock();
    const { rx, digits, starts } = receiver(clock);
    rx.onPacket(1, Uint8Array.of(1, 2), 0, 2);
    rx.onPacket(1, pkt(40, true, 160), 0, 4);
    expect(starts).toEqual([]);
    expect(digits).toEqual([]);
  });
});
