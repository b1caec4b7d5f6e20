/**
 * Session timers (RFC 4028) for one call: the Session-Expires / Min-SE negotiation on both sides
 * of an INVITE, re-INVITE or UPDATE, and the two timers that follow from it.
 *
 * - The refresher sends a session refresh request at half the interval (§10: "the refresher
 *   SHOULD send a refresh at half the session interval"); the call decides whether that is an
 *   UPDATE (the peer allows it) or a re-INVITE, and every re-INVITE or UPDATE answered with a
 *   2xx counts as a refresh.
 * - The other side ends the session if no refresh arrives: "If the side not performing refreshes
 *   does not receive a session refresh request before the session expiration, it SHOULD send a
 *   BYE to terminate the session, slightly before the session expiration. The minimum of 32
 *   seconds and one third of the session interval is RECOMMENDED."
 *
 * Role words: `refresher=uac` / `uas` name the client / server of the transaction that carried
 * the header, so the same header means "us" or "them" depending on who sent the request.
 */
import type { Clock, TimerHandle } from '../../base/clock';
import { nullLogger, type Logger } from '../../base/logger';
import type { SipMessage, SipRequest, SipResponse } from '../../sip';
import { hasOptionTag } from './reliable-provisional';

export const OPTION_TIMER = 'timer';

export interface SessionTimerSettings {
  /** The session interval we ask for, in seconds (§4; default 1800). */
  readonly sessionExpires: number;
  /**
   * The smallest interval we accept, in seconds (§5). The RFC's floor is 90 s; smaller values
   * are for tests that want to see a session expire in seconds.
   */
  readonly minSE: number;
}

export const DEFAULT_SESSION_TIMER: SessionTimerSettings = { sessionExpires: 1800, minSE: 90 };

export interface SessionExpires {
  readonly interval: number;
  readonly refresher?: 'uac' | 'uas';
}

/** §4: `Session-Expires = delta-seconds *(SEMI se-params)`; undefined when absent or malformed. */
export function parseSessionExpires(value: string | undefined): SessionExpires | undefined {
  if (value === undefined) return undefined;
  const [delta = '', ...params] = value.split(';');
  const interval = deltaSeconds(delta);
  if (interval === undefined) return undefined;
  for (const p of params) {
    const [name = '', v = ''] = p.split('=');
    if (name.trim().toLowerCase() !== 'refresher') continue;
    const who = v.trim().toLowerCase();
    if (who === 'uac' || who === 'uas') return { interval, refresher: who };
  }
  return { interval };
}

/** §5: `Min-SE = delta-seconds *(SEMI generic-param)`. */
export function parseMinSE(value: string | undefined): number | undefined {
  return value === undefined ? undefined : deltaSeconds(value.split(';')[0] ?? '');
}

function deltaSeconds(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return undefined;
  const n = Number(t);
  return n > 0 ? n : undefined;
}

/**
 * Our session refresh by UPDATE without SDP (§10), sent through `send`; a 422 is retried once with
 * its larger Min-SE. "If the session refresh request transaction times out or generates a 408
 * or 481 response, then the UAC sends a BYE request": the result says so with `end`.
 */
export async function refreshByUpdate(
  timer: SessionTimer,
  send: (headers: [string, string][]) => Promise<SipResponse | undefined>,
): Promise<{ readonly end: boolean; readonly status?: number }> {
  let res = await send(timer.requestHeaders());
  if (res?.status === 422 && timer.raiseToMinSE(res)) res = await send(timer.requestHeaders());
  if (res && res.status < 300) {
    timer.answered(res);
    return { end: false };
  }
  if (!res) return { end: true };
  return { end: res.status === 408 || res.status === 481, status: res.status };
}

/** Whether the peer lists UPDATE in Allow (RFC 3311): refreshes may then be UPDATEs without SDP. */
export function allowsUpdate(m: SipMessage): boolean {
  return m.getAll('Allow').some((v) => v.trim().toUpperCase() === 'UPDATE');
}

/** What `negotiate` decided for a request from the far end. */
export type SessionTimerDecision =
  /** §6, §9: the interval is below our Min-SE: answer 422 with these headers. */
  | { readonly kind: 'too-small'; readonly headers: [string, string][] }
  /**
   * Put `headers` into the 2xx, then call `commit()` once it is sent (§9: the timer starts
   * then). No headers and a no-op commit when the session runs without a timer.
   */
  | { readonly kind: 'accept'; readonly headers: [string, string][]; commit(): void };

export interface SessionTimerOptions {
  readonly clock: Clock;
  readonly settings?: SessionTimerSettings;
  readonly logger?: Logger;
  /** We are the refresher and half the interval has passed: send a session refresh request. */
  readonly refresh: () => void;
  /** We are not the refresher and no refresh came in time: send BYE. */
  readonly expire: () => void;
}

export class SessionTimer {
  private readonly settings: SessionTimerSettings;
  private readonly log: Logger;
  /** The interval in force (undefined: no session timer running). */
  private interval: number | undefined;
  /** The interval our next request asks for (raised by a 422). */
  private ask: number;
  private weRefresh = false;
  private timer: TimerHandle | undefined;

  constructor(private readonly o: SessionTimerOptions) {
    this.settings = o.settings ?? DEFAULT_SESSION_TIMER;
    this.ask = Math.max(this.settings.sessionExpires, this.settings.minSE);
    this.log = (o.logger ?? nullLogger).child('session-timer');
  }

  /** The interval in force, in seconds, and who refreshes. */
  get current(): { readonly interval: number; readonly refresher: 'local' | 'remote' } | undefined {
    return this.interval === undefined ? undefined : { interval: this.interval, refresher: this.weRefresh ? 'local' : 'remote' };
  }

  /**
   * Session-Expires and Min-SE for a request we send (§7.1 initial INVITE, §7.4 refresh). The
   * first INVITE leaves the refresher to the UAS; later requests keep the current refresher.
   */
  requestHeaders(): [string, string][] {
    const interval = this.interval ?? this.ask;
    const refresher = this.interval === undefined ? '' : `;refresher=${this.weRefresh ? 'uac' : 'uas'}`;
    return [
      ['Session-Expires', `${interval}${refresher}`],
      ['Min-SE', String(this.settings.minSE)],
    ];
  }

  /**
   * A 422 to our request (§7.3): "the UAC ... MUST ... retry the request with a Session-Expires
   * value ... [at least] the value of the Min-SE header field in the 422". False when the 422
   * gives no larger Min-SE, so a retry would not help.
   */
  raiseToMinSE(res: SipResponse): boolean {
    const min = parseMinSE(res.get('Min-SE'));
    const now = this.interval ?? this.ask;
    if (min === undefined || min <= now) return false;
    this.ask = min;
    if (this.interval !== undefined) this.interval = min;
    return true;
  }

  /**
   * The 2xx to our INVITE, re-INVITE or UPDATE (§7.2): its Session-Expires sets the interval and
   * the refresher ("uac" is us; the UAS must name one, and a missing parameter leaves it to us);
   * a 2xx without one means there is no session expiration.
   */
  answered(res: SipResponse): void {
    const se = parseSessionExpires(res.get('Session-Expires'));
    if (!se) {
      if (this.interval !== undefined) this.log.info('the 2xx has no Session-Expires: no session timer');
      this.stop();
      return;
    }
    this.start(se.interval, se.refresher !== 'uas');
  }

  /**
   * A request from the far end that starts or refreshes the session (§9). A Session-Expires
   * below our Min-SE gets 422. Otherwise the interval is taken as offered and the refresher is
   * the one the request names, else the UAC when it supports the extension ("timer" in
   * Supported), else us; a refresher=uac 2xx carries `Require: timer`. A request without
   * Session-Expires starts nothing, but one during a running timer keeps the interval with us
   * as refresher.
   */
  negotiate(req: SipRequest): SessionTimerDecision {
    const se = parseSessionExpires(req.get('Session-Expires'));
    if (se && se.interval < this.settings.minSE) {
      return { kind: 'too-small', headers: [['Min-SE', String(this.settings.minSE)]] };
    }
    if (!se && this.interval === undefined) return { kind: 'accept', headers: [], commit: () => {} };
    const interval = se?.interval ?? this.interval!;
    const refresher = se?.refresher ?? (se && hasOptionTag(req, 'Supported', OPTION_TIMER) ? 'uac' : 'uas');
    const headers: [string, string][] = [['Session-Expires', `${interval};refresher=${refresher}`]];
    if (refresher === 'uac') headers.push(['Require', OPTION_TIMER]);
    return { kind: 'accept', headers, commit: () => this.start(interval, refresher === 'uas') };
  }

  /** Ends both timers (call ended, or the peer dropped the session timer). */
  stop(): void {
    this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.interval = undefined;
  }

  private start(interval: number, weRefresh: boolean): void {
    this.o.clock.clearTimeout(this.timer);
    this.interval = this.ask = interval;
    this.weRefresh = weRefresh;
    if (weRefresh) {
      this.timer = this.o.clock.setTimeout(() => {
        this.timer = undefined;
        this.o.refresh();
      }, (interval * 1000) / 2);
    } else {
      const before = Math.min(32, interval / 3);
      this.timer = this.o.clock.setTimeout(() => {
        this.timer = undefined;
        this.log.info('no session refresh came', { interval });
        this.o.expire();
      }, (interval - before) * 1000);
    }
    this.log.debug('session timer', { interval, refresher: weRefresh ? 'local' : 'remote' });
  }
}
