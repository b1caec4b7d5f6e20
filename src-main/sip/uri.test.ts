import { describe, expect, it } from 'vitest';
import { SipParseError } from '../base/errors';
import { parseNameAddr } from './name-addr';
import { parseUri, uriEquals } from './uri';

describe('parseUri (RFC 3261 §19.1, RFC 3966)', () => {
  it('reads user, password, host, port, params and headers, and prints them back', () => {
    const text = 'sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent';
    const u = parseUri(text);
    expect(u.kind).toBe('sip');
    if (u.kind !== 'sip') return;
    expect([u.scheme, u.user, u.password, u.host, u.port]).toEqual(['sips', 'alice', 'secret', '[2001:db8::1]', 5061]);
    expect([u.transport, u.lr, u.maddr]).toEqual(['tcp', true, '239.255.255.1']);
    expect(u.headers.get('subject')).toBe('project%20x');
    expect(u.toString()).toBe(text);
  });

  it('parses tel URIs with parameters', () => {
    const u = parseUri('tel:+1-201-555-0123;ext=1234');
    expect(u.kind === 'tel' && [u.number, u.isGlobal, u.params.get('ext')]).toEqual(['+1-201-555-0123', true, '1234']);
  });

  it('rejects malformed URIs with SipParseError', () => {
    for (const bad of ['sip:', 'sip:user@', 'sip:a@b:99999', 'sip:a b@c', 'sip:a@b;x=%zz', '<sip:a@b>', 'tel:', 'sip:a@[::1']) {
      expect(() => parseUri(bad), bad).toThrow(SipParseError);
    }
  });

  it('compares per §19.1.4', () => {
    const eq = (a: string, b: string) => uriEquals(parseUri(a), parseUri(b));
    expect(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).toBe(true);
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(eq('sip:alice@atlanta.com', 'sip:ALICE@atlanta.com')).toBe(false);
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060')).toBe(false);
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp')).toBe(false);
    expect(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).toBe(false);
    expect(eq('sip:carol@chicago.com?Subject=next%20meeting', 'sip:carol@chicago.com?Subject=next%20meeting')).toBe(true);
    expect(eq('tel:+1-201-555-0123', 'tel:+12015550123')).toBe(true);
  });
});

describe('parseNameAddr', () => {
  it('reads quoted and token display names, and params outside <>', () => {
    const a = parseNameAddr('"Alice \\"A\\"" <sip:alice@example.com;transport=tcp>;tag=9;+sip.instance="<urn:uuid:1>"');
    expect(a.displayName).toBe('Alice "A"');
    expect(a.uri.toString()).toBe('sip:alice@example.com;transport=tcp');
    expect(a.tag).toBe('9');
    expect(a.params.get('+sip.instance')).toBe('"<urn:uuid:1>"');
    const b = parseNameAddr('Bob Smith <sip:bob@example.com>');
    expect(b.displayName).toBe('Bob Smith');
  });

  it('gives params of a bare addr-spec to the header (§20.10)', () => {
    const a = parseNameAddr('sip:alice@example.com;tag=88');
    expect(a.uri.toString()).toBe('sip:alice@example.com');
    expect(a.tag).toBe('88');
    expect(a.toString()).toBe('sip:alice@example.com;tag=88');
  });

  it('rejects a bare addr-spec holding "?" and a display name with a comma', () => {
    expect(() => parseNameAddr('sip:a@b?x=y')).toThrow(SipParseError);
    expect(() => parseNameAddr('Bell, Alexander <sip:a@b>')).toThrow(SipParseError);
  });
});
