/**
 * Reliable provisional responses (RFC 3262), both sides of an INVITE:
 *
 * - `ReliableProvisionals` (UAS, §3): sends a 1xx with `Require: 100rel` and an `RSeq` that
 *   starts at random and grows by one, "passed to the transaction layer periodically with an
 *   interval that starts at T1 seconds and doubles for each retransmission" until the PRACK
 *   whose RAck names it arrives; after 64·T1 without one the caller rejects the INVITE with a
 *   5xx. One reliable 1xx is outstanding at a time ("The UAS MUST NOT send a second reliable
 *   provisional response until the first is acknowledged"): later ones wait in a queue.
 * - `ReliableProvisionalTracker` (UAC, §4): decides per early dialog whether a 1xx gets a PRACK.
 *   "If the UAC receives another reliable provisional response to the same request, and its
 *   RSeq value is not one higher than the value of the sequence number, that response MUST NOT
 *   be acknowledged with a PRACK, and MUST NOT be processed further by the UA core."
 */
import type { Clock, TimerHandle } from '../../base/clock';
import { randomUint32 } from '../../base/random-ids';
import type { SipMessage, SipRequest, SipResponse } from '../../sip';
import { formatRAck, MAX_RSEQ, parseRAck, parseRSeq } from '../../sip/headers/rseq';

export const OPTION_100REL = '100rel';

/** Whether `header` (Supported, Require) of `m` lists the option tag `tag`. */
export function hasOptionTag(m: SipMessage, header: 'Supported' | 'Require', tag: string): boolean {
  return m.getAll(header).some((t) => t.trim().toLowerCase() === tag);
}

// --- UAS ---------------------------------------------------------------------------------

export interface ReliableProvisionalsOptions {
  readonly clock: Clock;
  readonly t1?: number;
  /** Hands a response to the INVITE server transaction (first send and retransmissions). */
  readonly send: (response: SipResponse) => void;
  /** No PRACK came within 64·T1: the caller answers the INVITE with a 5xx (§3). */
  readonly onPrackTimeout: () => void;
}

interface Outstanding {
  readonly rseq: number;
  readonly response: SipResponse;
  readonly hasSdp: boolean;
  timer: TimerHandle | undefined;
  giveUp: TimerHandle | undefined;
  interval: number;
}

export class ReliableProvisionals {
  private nextRseq: number;
  private unacked: Outstanding | undefined;
  private readonly queue: SipResponse[] = [];
  private waiters: (() => void)[] = [];
  private stopped = false;
  private readonly t1: number;

  constructor(
    private readonly invite: SipRequest,
    private readonly o: ReliableProvisionalsOptions,
  ) {
    // §3: "The value of the header field for the first reliable provisional response in a
    // transaction MUST be between 1 and 2**31 - 1."
    this.nextRseq = 1 + (randomUint32() % (2 ** 31 - 1));
    this.t1 = o.t1 ?? 500;
  }

  /** Whether a reliable 1xx waits for its PRACK. */
  get pending(): boolean {
    return this.unacked !== undefined;
  }

  /** Sends a 101–199 response reliably (adds Require: 100rel and RSeq), or queues it. */
  send(response: SipResponse): void {
    if (this.stopped) return;
    if (this.unacked) {
      this.queue.push(response);
      return;
    }
    const rseq = this.nextRseq;
    this.nextRseq = rseq >= MAX_RSEQ ? 1 : rseq + 1;
    response.set('Require', OPTION_100REL);
    response.set('RSeq', String(rseq));
    this.unacked = { rseq, response, hasSdp: response.contentLength > 0, timer: undefined, giveUp: undefined, interval: this.t1 };
    this.o.send(response);
    this.arm(this.unacked);
    const u = this.unacked;
    // §3: "If a reliable provisional response is retransmitted for 64*T1 seconds without
    // reception of a corresponding PRACK, the UAS SHOULD reject the original request with a 5xx
    // response."
    u.giveUp = this.o.clock.setTimeout(() => {
      if (this.unacked !== u) return;
      this.stop();
      this.o.onPrackTimeout();
    }, 64 * this.t1);
  }

  /**
   * A PRACK: true when its RAck names the outstanding response (answer it 200), false when it
   * matches nothing unacknowledged (§3: "the UAS MUST respond to the PRACK with a 481").
   */
  acknowledge(prack: SipRequest): boolean {
    const rack = parseRAck(prack.get('RAck'));
    const u = this.unacked;
    if (!rack || !u || rack.rseq !== u.rseq || rack.cseq !== this.invite.cseq.seq || rack.method !== this.invite.method) return false;
    this.clear(u);
    this.unacked = undefined;
    const next = this.queue.shift();
    if (next) this.send(next);
    this.wake();
    return true;
  }

  /**
   * Resolves true once no unacknowledged reliable 1xx carries a session description — §3: "The
   * UAS MAY send a final response to the initial request before having received PRACKs for all
   * unacknowledged reliable provisional responses, unless the final response is 2xx and any of
   * the unacknowledged reliable provisional responses contained a session description. In that
   * case, it MUST NOT send a final response until those provisional responses are
   * acknowledged." Resolves false when stopped first.
   */
  async readyForTwoXx(): Promise<boolean> {
    while (!this.stopped && (this.unacked?.hasSdp || this.queue.some((r) => r.contentLength > 0))) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return !this.stopped;
  }

  /** The INVITE got its final response (or the call ended): no more retransmissions. */
  stop(): void {
    this.stopped = true;
    if (this.unacked) this.clear(this.unacked);
    this.unacked = undefined;
    this.queue.length = 0;
    this.wake();
  }

  private arm(u: Outstanding): void {
    u.timer = this.o.clock.setTimeout(() => {
      if (this.unacked !== u) return;
      this.o.send(u.response);
      u.interval *= 2;
      this.arm(u);
    }, u.interval);
  }

  private clear(u: Outstanding): void {
    this.o.clock.clearTimeout(u.timer);
    this.o.clock.clearTimeout(u.giveUp);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

// --- UAC ---------------------------------------------------------------------------------

export type ProvisionalVerdict =
  /** Not a reliable 1xx (no Require: 100rel, no RSeq or no To tag): handle it as usual. */
  | { readonly kind: 'unreliable' }
  /** The next reliable 1xx of its early dialog: send PRACK with this RAck, then handle it. */
  | { readonly kind: 'prack'; readonly rack: string }
  /** A retransmission or an out-of-order response (§4): neither PRACKed nor handled. */
  | { readonly kind: 'drop'; readonly why: 'retransmission' | 'out-of-order' };

export class ReliableProvisionalTracker {
  /** The RSeq of the last in-order reliable 1xx, per early dialog (To tag). */
  private readonly last = new Map<string, number>();

  classify(response: SipResponse): ProvisionalVerdict {
    const rseq = parseRSeq(response.get('RSeq'));
    const tag = response.toTag;
    if (response.status <= 100 || response.status >= 200 || rseq === undefined || tag === undefined || !hasOptionTag(response, 'Require', OPTION_100REL)) {
      return { kind: 'unreliable' };
    }
    const last = this.last.get(tag);
    // §4: "The first reliable response sets the sequence number" (for its dialog).
    if (last !== undefined && rseq !== last + 1) return { kind: 'drop', why: rseq <= last ? 'retransmission' : 'out-of-order' };
    this.last.set(tag, rseq);
    // §7.2: RAck = response-num CSeq-num Method, the last two from the response's CSeq.
    return { kind: 'prack', rack: formatRAck({ rseq, cseq: response.cseq.seq, method: response.cseq.method }) };
  }
}
