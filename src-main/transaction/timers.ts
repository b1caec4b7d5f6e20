/**
 * RFC 3261 Table 4 (§17, Appendix A) with the RFC 6026 additions (Timers L and M), derived from
 * T1, T2, T4 and the reliability of the transport the transaction uses.
 *
 *   timer  value                  meaning
 *   T1     500 ms default         RTT estimate
 *   T2     4 s                    maximum retransmit interval for non-INVITE requests and
 *                                 INVITE responses
 *   T4     5 s                    maximum duration a message stays in the network
 *   A      initially T1           INVITE request retransmit interval, UDP only (doubles)
 *   B      64*T1                  INVITE transaction timeout
 *   D      > 32 s UDP, 0 reliable wait time for response retransmissions (INVITE client)
 *   E      initially T1           non-INVITE request retransmit interval, UDP only (doubles, ≤ T2)
 *   F      64*T1                  non-INVITE transaction timeout
 *   G      initially T1           INVITE response retransmit interval (doubles, ≤ T2)
 *   H      64*T1                  wait time for ACK receipt
 *   I      T4 UDP, 0 reliable     wait time for ACK retransmissions
 *   J      64*T1 UDP, 0 reliable  wait time for non-INVITE request retransmissions
 *   K      T4 UDP, 0 reliable     wait time for response retransmissions (non-INVITE client)
 *   L      64*T1                  wait time for accepted INVITE request retransmits (RFC 6026)
 *   M      64*T1                  wait time for retransmission of 2xx to INVITE (RFC 6026)
 */
export interface TimerBase {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
}

export const DEFAULT_TIMER_BASE: TimerBase = { t1: 500, t2: 4000, t4: 5000 };

export interface TransactionTimers extends TimerBase {
  /** Whether the transport is reliable: then A, E and G never run (§17.1.1.2, §17.1.2.2, §17.2.1). */
  readonly isReliable: boolean;
  readonly A: number;
  readonly B: number;
  readonly D: number;
  readonly E: number;
  readonly F: number;
  readonly G: number;
  readonly H: number;
  readonly I: number;
  readonly J: number;
  readonly K: number;
  readonly L: number;
  readonly M: number;
  /** §17.2.1: an INVITE server transaction sends 100 Trying if the TU is silent for 200 ms. */
  readonly trying: number;
}

export function deriveTimers(base: TimerBase = DEFAULT_TIMER_BASE, isReliable: boolean): TransactionTimers {
  const { t1, t2, t4 } = base;
  const wait64 = 64 * t1;
  return {
    t1,
    t2,
    t4,
    isReliable,
    A: t1,
    B: wait64,
    // §17.1.1.2: "Timer D … at least 32 seconds for unreliable transports".
    D: isReliable ? 0 : Math.max(32_000, wait64),
    E: t1,
    F: wait64,
    G: t1,
    H: wait64,
    I: isReliable ? 0 : t4,
    J: isReliable ? 0 : wait64,
    K: isReliable ? 0 : t4,
    L: wait64,
    M: wait64,
    trying: 200,
  };
}
