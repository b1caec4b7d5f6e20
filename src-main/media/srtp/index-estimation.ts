/**
 * SRTP packet index estimation (RFC 3711 §3.3.1 and Appendix A): from the highest sequence
 * number seen `sl`, its rollover counter `roc` and a received `seq`, guess the ROC the sender
 * used. A packet up to 2^15 behind `sl` counts as late (possibly from before a wrap); up to
 * 2^15 ahead as new (possibly after a wrap).
 */
export function estimateRoc(sl: number, roc: number, seq: number): number {
  if (sl < 32768) {
    // At ROC 0 there is no earlier cycle: a far-ahead packet stays in cycle 0.
    if (seq - sl > 32768) return roc === 0 ? 0 : roc - 1;
    return roc;
  }
  if (sl - 32768 > seq) return (roc + 1) % 0x100000000;
  return roc;
}

/** The 48-bit packet index i = 2^16 * ROC + SEQ. Exact as a JS number (< 2^53). */
export function packetIndex(roc: number, seq: number): number {
  return roc * 65536 + seq;
}
