/**
 * A simplified ITU-T G.107 E-model for per-call quality, on the narrowband R scale (0..100):
 *
 *   R   = R0 - Is - Id - Ie,eff + A           with R0 - Is = 93.2 (G.107 defaults), A = 0
 *   Id  = 0.024·Ta + 0.11·(Ta - 177.3)·H(Ta - 177.3)
 *         (the usual reduction of G.107's Idd/Idte/Idle for default echo and loudness;
 *          Ta = one-way mouth-to-ear delay in ms, H = step function)
 *   Ie,eff = Ie + (95 - Ie) · Ppl / (Ppl / BurstR + Bpl)     (G.107 §7.7; BurstR = 1, random loss)
 *   MOS = 1 + 0.035·R + R·(R - 60)·(100 - R)·7·10^-6 for 0 < R < 100   (G.107 Annex B)
 *
 * Ie and Bpl per codec come from ITU-T G.113 Appendix I where it lists them: G.711 with packet
 * loss concealment has Ie = 0, Bpl = 25.1 (without PLC Bpl = 4.3). G.113 gives G.722 and Opus
 * values only on the wideband scale, so on this narrowband scale they are engineering
 * estimates: Ie = 0 (no worse than G.711 in a narrowband rating) and Bpl 25.1 (G.722 with
 * PLC, like G.711) and 30 (Opus's built-in PLC is stronger). Callers can pass their own.
 */
export interface CodecImpairment {
  /** Equipment impairment factor Ie. */
  readonly ie: number;
  /** Packet-loss robustness factor Bpl. */
  readonly bpl: number;
  /** Algorithmic delay (look-ahead + frame) beyond the packet time, ms. */
  readonly lookaheadMs: number;
}

export const CODEC_IMPAIRMENT: Readonly<Record<string, CodecImpairment>> = {
  PCMU: { ie: 0, bpl: 25.1, lookaheadMs: 0 },
  PCMA: { ie: 0, bpl: 25.1, lookaheadMs: 0 },
  G722: { ie: 0, bpl: 25.1, lookaheadMs: 1.5 },
  opus: { ie: 0, bpl: 30, lookaheadMs: 6.5 },
};

const R0_MINUS_IS = 93.2;

export interface EModelInput {
  /** One-way mouth-to-ear delay, ms. */
  readonly oneWayDelayMs: number;
  /** Packet loss in percent (0..100), including packets too late for the jitter buffer. */
  readonly lossPercent: number;
  readonly codec: CodecImpairment;
}

/** The delay impairment Id for one-way delay `ta` in ms. */
export function delayImpairment(ta: number): number {
  return 0.024 * ta + (ta > 177.3 ? 0.11 * (ta - 177.3) : 0);
}

/** The effective equipment impairment Ie,eff for random loss `ppl` percent. */
export function effectiveEquipmentImpairment(codec: CodecImpairment, ppl: number): number {
  return codec.ie + ((95 - codec.ie) * ppl) / (ppl + codec.bpl);
}

export function rFactor(input: EModelInput): number {
  const r = R0_MINUS_IS - delayImpairment(Math.max(0, input.oneWayDelayMs)) - effectiveEquipmentImpairment(input.codec, Math.min(100, Math.max(0, input.lossPercent)));
  return Math.max(0, Math.min(100, r));
}

/** G.107 Annex B: R to the estimated MOS (1..4.5). */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}
