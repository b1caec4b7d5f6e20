import { describe, expect, it } from 'vitest';
import { SipRequest, SipResponse, parseNameAddr, parseUri } from '../sip';
import { isLooseRoute, requestTarget, uacRouteSet, uasRouteSet } from './route-set';

const routes = (...r: string[]) => r.map((x) => parseNameAddr(x));
const text = (xs: readonly { toString(): string }[]) => xs.map((x) => x.toString());

describe('route sets (RFC 3261 §12.1.1, §12.1.2)', () => {
  it('takes the Record-Route of a request in order for the UAS and of a response reversed for the UAC, keeping URI parameters', () => {
    const req = SipRequest.create('INVITE', 'sip:bob@b.example');
    req.append('Record-Route', '<sip:p2.example;lr;ftag=x>, <sip:p1.example;lr>');
    req.append('Record-Route', '<sip:p0.example;lr>');
    expect(text(uasRouteSet(req))).toEqual(['<sip:p2.example;lr;ftag=x>', '<sip:p1.example;lr>', '<sip:p0.example;lr>']);
    const res = new SipResponse(200);
    res.append('Record-Route', '<sip:p2.example;lr;ftag=x>, <sip:p1.example;lr>');
    expect(text(uacRouteSet(res))).toEqual(['<sip:p1.example;lr>', '<sip:p2.example;lr;ftag=x>']);
  });

  it('is empty without Record-Route', () => {
    expect(uasRouteSet(SipRequest.create('INVITE', 'sip:bob@b.example'))).toEqual([]);
    expect(uacRouteSet(new SipResponse(200))).toEqual([]);
  });
});

describe('in-dialog request target (RFC 3261 §12.2.1.1, §8.1.2)', () => {
  const target = parseUri('sip:bob@192.0.2.4:5070;transport=tcp');

  it('sends to the remote target with no Route when the route set is empty', () => {
    const t = requestTarget(target, []);
    expect(t.uri.toString()).toBe('sip:bob@192.0.2.4:5070;transport=tcp');
    expect(t.routes).toEqual([]);
    expect(t.nextHop.toString()).toBe('sip:bob@192.0.2.4:5070;transport=tcp');
  });

  it('puts the remote target in the Request-URI and the whole route set in Route when the first route is loose', () => {
    const set = routes('<sip:p1.example;lr>', '<sip:p2.example>');
    expect(isLooseRoute(set[0]!)).toBe(true);
    const t = requestTarget(target, set);
    expect(t.uri.toString()).toBe('sip:bob@192.0.2.4:5070;transport=tcp');
    expect(text(t.routes)).toEqual(['<sip:p1.example;lr>', '<sip:p2.example>']);
    expect(t.nextHop.toString()).toBe('sip:p1.example;lr');
  });

  it('puts a strict first route in the Request-URI (without method param and headers), the rest then the remote target in Route', () => {
    const set = routes('<sip:p1.example;method=INVITE;maddr=192.0.2.9?Subject=x>', '<sip:p2.example;lr>');
    expect(isLooseRoute(set[0]!)).toBe(false);
    const t = requestTarget(target, set);
    expect(t.uri.toString()).toBe('sip:p1.example;maddr=192.0.2.9');
    expect(text(t.routes)).toEqual(['<sip:p2.example;lr>', '<sip:bob@192.0.2.4:5070;transport=tcp>']);
    expect(t.nextHop.toString()).toBe('sip:p1.example;maddr=192.0.2.9');
  });

  it('never shares URI objects with the route set it was given', () => {
    const set = routes('<sip:p1.example;lr>');
    const t = requestTarget(target, set);
    expect(t.routes[0]).not.toBe(set[0]);
    expect(t.uri).not.toBe(target);
  });
});
