import { describe, expect, it } from 'vitest';
import { CODEC_IMPAIRMENT, delayImpairment, effectiveEquipmentImpairment, mosFromR, rFactor } from './e-model';
import { CallQualityMonitor, type QualitySource } from './call-quality';

describe('E-model (ITU-T G.107 simplified, G.113 Ie/Bpl)', () => {
  it('rates a clean G.711 call at R 93.2 minus the delay term, MOS about 4.4', () => {
    const r = rFactor({ oneWayDelayMs: 0, lossPercent: 0, codec: CODEC_IMPAIRMENT.PCMU! });
    expect(r).toBeCloseTo(93.2, 5);
    expect(mosFromR(r)).toBeCloseTo(4.41, 2);
  });

  it('adds the extra delay slope past 177.3 ms', () => {
    expect(delayImpairment(100)).toBeCloseTo(2.4, 5);
    expect(delayImpairment(300)).toBeCloseTo(7.2 + 0.11 * 122.7, 5);
  });

  it('uses Ie,eff = Ie + (95 - Ie)·Ppl/(Ppl + Bpl): 5% loss on G.711 with PLC costs about 15.8', () => {
    expect(effectiveEquipmentImpairment(CODEC_IMPAIRMENT.PCMA!, 5)).toBeCloseTo((95 * 5) / 30.1, 5);
    expect(effectiveEquipmentImpairment(CODEC_IMPAIRMENT.PCMA!, 0)).toBe(0);
  });

  it('maps R to MOS per G.107 Annex B with 1 and 4.5 at the ends', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
    expect(mosFromR(50)).toBeCloseTo(1 + 1.75 + 50 * -10 * 50 * 7e-6, 6);
  });

  it('drops R as loss grows and as delay grows', () => {
    const c = CODEC_IMPAIRMENT.opus!;
    const a = rFactor({ oneWayDelayMs: 50, lossPercent: 0, codec: c });
    const b = rFactor({ oneWayDelayMs: 50, lossPercent: 3, codec: c });
    const d = rFactor({ oneWayDelayMs: 400, lossPercent: 3, codec: c });
    expect(a).toBeGreaterThan(b);
    expect(b).toBeGreaterThan(d);
  });
});

describe('CallQualityMonitor', () => {
  function source(): QualitySource & { set(expected: number, received: number): void } {
    const seq = { expected: 0, received: 0 };
    return {
      counters: { packetsSent: 0, packetsReceived: 0 },
      reception: { jitterMs: 4, sequence: seq },
      remoteReception: { fractionLost: 64, rttMs: 60, jitter: 10 },
      set(e: number, r: number) {
        seq.expected = e;
        seq.received = r;
      },
    };
  }

  it('reports windowed loss, the far end loss, RTT and a MOS, with jitter buffer inputs in the delay', () => {
    const s = source();
    const m = new CallQualityMonitor(s, { codec: 'PCMU', ptimeMs: 20, windowSeconds: 2 });
    s.set(50, 50);
    m.snapshot(1000);
    s.set(100, 95);
    const snap = m.snapshot(2000, { delayMs: 40, concealedFrames: 5 });
    expect(snap.lossPercent).toBeCloseTo(10, 5);
    expect(snap.cumulativeLossPercent).toBeCloseTo(5, 5);
    expect(snap.remoteLossPercent).toBe(25);
    expect(snap.oneWayDelayMs).toBe(30 + 40 + 20);
    expect(snap.concealedFrames).toBe(5);
    expect(snap.rFactor).toBeCloseTo(rFactor({ oneWayDelayMs: 90, lossPercent: 10, codec: CODEC_IMPAIRMENT.PCMU! }), 6);
    expect(snap.mos).toBeGreaterThan(3);
    expect(snap.mos).toBeLessThan(4);
    // Two more clean seconds push the lossy one out of the 2 s window.
    s.set(150, 145);
    m.snapshot(3000);
    s.set(200, 195);
    expect(m.snapshot(4000).lossPercent).toBe(0);
  });
});
