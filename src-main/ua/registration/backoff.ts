/**
 * Retry delays after a failed registration, RFC 5626 §4.5: wait = min(max-time, base-time ·
 * 2^(consecutive-failures)), then a random time between 50 % and 100 % of it, so a fleet of
 * clients does not hit a restarted registrar at the same instant.
 *
 * The RFC's base-time of 30 s suits many flows; a softphone with one flow wants to notice a
 * restarted server within seconds, so the base here is 2 s for failures where the server was
 * not reached (the first retries come quickly) and 30 s where it answered with an error.
 */
export interface BackoffPolicy {
  readonly unreachableBaseMs: number;
  readonly serverErrorBaseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { unreachableBaseMs: 2_000, serverErrorBaseMs: 30_000, maxMs: 1_800_000 };

/**
 * @param failures consecutive failures so far, 1 for the first
 * @param serverAnswered whether the failure was an error response (5xx, 408 from a proxy …)
 * @param random a number in [0, 1)
 */
export function retryDelayMs(failures: number, serverAnswered: boolean, random: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const base = serverAnswered ? policy.serverErrorBaseMs : policy.unreachableBaseMs;
  const wait = Math.min(policy.maxMs, base * 2 ** Math.max(0, failures - 1));
  return Math.round(wait * (0.5 + 0.5 * random));
}

/**
 * When to refresh a binding the registrar granted for `expires` seconds: at 90 % of the
 * interval, but never later than 5 s before it lapses, and at half the interval when it is short.
 */
export function refreshDelayMs(expires: number): number {
  if (expires <= 10) return expires * 500;
  return Math.min(expires * 900, (expires - 5) * 1000);
}
