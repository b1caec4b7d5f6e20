import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/support/fake-clock';
import { createResponse, parseMessage, type SipRequest } from '../../sip';
import { parseMinSE, parseSessionExpires, SessionTimer } from './session-timer';

function request(headers: string[]): SipRequest {
  return parseMessage(
    [
      'INVITE sip:bob@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1',
      'From: <sip:alice@127.0.0.1>;tag=a1',
      'To: <sip:bob@127.0.0.1>',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      'Contact: <sip:alice@127.0.0.1:5070>',
      ...headers,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  ) as SipRequest;
}

function timer(settings = { sessionExpires: 1800, minSE: 90 }) {
  const clock = new FakeClock();
  const events: string[] = [];
  const t = new SessionTimer({ clock, settings, refresh: () => events.push(`refresh@${clock.now()}`), expire: () => events.push(`expire@${clock.now()}`) });
  return { clock, events, t };
}

describe('Session-Expires and Min-SE (RFC 4028 §4, §5)', () => {
  it('reads the interval and the refresher, compact or not, and refuses junk', () => {
    expect(parseSessionExpires('4000;refresher=uac')).toEqual({ interval: 4000, refresher: 'uac' });
    expect(parseSessionExpires(' 90 ; x=y ; Refresher = UAS')).toEqual({ interval: 90, refresher: 'uas' });
    expect(parseSessionExpires('1800')).toEqual({ interval: 1800 });
    expect(parseSessionExpires('1800;refresher=both')).toEqual({ interval: 1800 });
    expect(parseSessionExpires('soon')).toBeUndefined();
    expect(parseSessionExpires('0')).toBeUndefined();
    expect(parseMinSE('120;lr')).toBe(120);
    expect(parseMinSE('-1')).toBeUndefined();
  });
});

describe('session timer as the one who sends the request (RFC 4028 §7)', () => {
  it('offers Session-Expires 1800 and Min-SE 90 without naming a refresher', () => {
    expect(timer().t.requestHeaders()).toEqual([['Session-Expires', '1800'], ['Min-SE', '90']]);
  });

  it('refreshes at half the interval when the 2xx makes it the refresher (refresher=uac)', () => {
    const { clock, events, t } = timer();
    t.answered(createResponse(request([]), 200, undefined, { toTag: 'b', headers: [['Session-Expires', '1200;refresher=uac']] }));
    expect(t.current).toEqual({ interval: 1200, refresher: 'local' });
    expect(t.requestHeaders()[0]).toEqual(['Session-Expires', '1200;refresher=uac']);
    clock.advance(599_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual(['refresh@600000']);
  });

  it('expires min(32 s, interval/3) before the end when the peer refreshes and stays silent', () => {
    const { clock, events, t } = timer();
    t.answered(createResponse(request([]), 200, undefined, { toTag: 'b', headers: [['Session-Expires', '90;refresher=uas']] }));
    clock.advance(3600_000);
    expect(events).toEqual(['expire@60000']); // 90 - min(32, 30)
    const long = timer();
    long.t.answered(createResponse(request([]), 200, undefined, { toTag: 'b', headers: [['Session-Expires', '1800;refresher=uas']] }));
    long.clock.advance(3600_000);
    expect(long.events).toEqual(['expire@1768000']); // 1800 - 32
  });

  it('runs no timer when the 2xx has no Session-Expires', () => {
    const { clock, events, t } = timer();
    t.answered(createResponse(request([]), 200, undefined, { toTag: 'b' }));
    expect(t.current).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    expect(events).toEqual([]);
  });

  it('retries with the Min-SE of a 422 and gives up when it is not larger', () => {
    const { t } = timer({ sessionExpires: 100, minSE: 90 });
    const tooSmall = (min: string) => createResponse(request([]), 422, undefined, { toTag: 'b', headers: [['Min-SE', min]] });
    expect(t.raiseToMinSE(tooSmall('300'))).toBe(true);
    expect(t.requestHeaders()).toEqual([['Session-Expires', '300'], ['Min-SE', '90']]);
    expect(t.raiseToMinSE(tooSmall('300'))).toBe(false);
    expect(t.raiseToMinSE(createResponse(request([]), 422, undefined, { toTag: 'b' }))).toBe(false);
  });
});

describe('session timer as the one who answers (RFC 4028 §9)', () => {
  it('refuses an interval below its Min-SE with 422 and Min-SE', () => {
    const { t } = timer();
    expect(t.negotiate(request(['Session-Expires: 60', 'Supported: timer']))).toEqual({ kind: 'too-small', headers: [['Min-SE', '90']] });
  });

  it('makes a UAC that supports timers the refresher, with Require: timer, and expires unless refreshed', () => {
    const { clock, events, t } = timer();
    const d = t.negotiate(request(['Session-Expires: 300', 'Supported: timer, 100rel']));
    expect(d.kind).toBe('accept');
    if (d.kind !== 'accept') return;
    expect(d.headers).toEqual([['Session-Expires', '300;refresher=uac'], ['Require', 'timer']]);
    d.commit();
    clock.advance(200_000);
    // A refresh at 200 s restarts the interval.
    const again = t.negotiate(request(['Session-Expires: 300;refresher=uac', 'Supported: timer']));
    if (again.kind === 'accept') again.commit();
    clock.advance(267_999);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual(['expire@468000']);
  });

  it('refreshes itself when the UAC does not support timers, or names refresher=uas', () => {
    const plain = timer().t.negotiate(request(['Session-Expires: 600']));
    expect(plain.kind === 'accept' && plain.headers).toEqual([['Session-Expires', '600;refresher=uas']]);
    const { clock, events, t } = timer();
    const d = t.negotiate(request(['Session-Expires: 600;refresher=uas', 'Supported: timer']));
    if (d.kind === 'accept') d.commit();
    clock.advance(300_000);
    expect(events).toEqual(['refresh@300000']);
  });

  it('starts nothing for a request without Session-Expires, but keeps a running timer with itself as refresher', () => {
    const { t } = timer();
    const none = t.negotiate(request([]));
    expect(none.kind === 'accept' && none.headers).toEqual([]);
    expect(t.current).toBeUndefined();
    const first = t.negotiate(request(['Session-Expires: 400', 'Supported: timer']));
    if (first.kind === 'accept') first.commit();
    const hold = t.negotiate(request([]));
    expect(hold.kind === 'accept' && hold.headers).toEqual([['Session-Expires', '400;refresher=uas']]);
    t.stop();
  });
});
