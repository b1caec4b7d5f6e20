import { describe, expect, it } from 'vitest';
import { CORPUS } from '../../bench/sip-corpus';
import { createRequest, createResponse } from './builders';
import { Via } from './headers/via';
import { NameAddr } from './name-addr';
import { parseMessage } from './parser';
import { SipRequest, type SipResponse } from './message';
import { messageToString } from './serializer';
import { parseUri } from './uri';
import { Params } from './params';

const invite = () => parseMessage(Buffer.from(CORPUS.invite!)) as SipRequest;

describe('SipMessage headers', () => {
  it('splits list headers on top-level commas but never auth or Date headers', () => {
    const m = parseMessage(Buffer.from(CORPUS.unauthorized!));
    expect(m.getAll('WWW-Authenticate')).toHaveLength(2);
    expect(m.getAll('WWW-Authenticate')[0]).toContain('qop="auth,auth-int"');
    const r = parseMessage(Buffer.from(CORPUS.ringing!));
    expect(r.getAll('Record-Route')).toEqual(['<sip:proxy2.example.org;lr>', '<sip:proxy1.example.com;lr>']);
    expect(r.get('Record-Route')).toBe('<sip:proxy2.example.org;lr>');
    r.set('Date', 'Sat, 13 Nov 2010 23:29:00 GMT');
    expect(r.getAll('Date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
  });

  it('set replaces in place, append goes after the same header, prepend before, remove counts', () => {
    const m = invite();
    m.prepend('Via', 'SIP/2.0/UDP me.example.com;branch=z9hG4bKnew');
    expect(m.via.branch).toBe('z9hG4bKnew');
    expect(m.vias).toHaveLength(4);
    m.append('Record-Route', '<sip:p3.example.net;lr>');
    expect(m.recordRoutes.map((r) => r.uri.toString())[2]).toBe('sip:p3.example.net;lr');
    m.set('Max-Forwards', '10');
    expect(m.maxForwards).toBe(10);
    expect(m.headerFields().findIndex((h) => h.name === 'Max-Forwards')).toBe(7); // 4 Vias + 3 Record-Routes before it
    expect(m.remove('via')).toBe(4);
    expect(() => m.via).toThrow(/missing Via/);
  });

  it('writes typed values back through setters and refreshes caches', () => {
    const m = invite();
    const to = m.to.clone();
    to.tag = 'xyz';
    m.to = to;
    expect(m.toTag).toBe('xyz');
    expect(m.get('To')).toBe('Bob <sip:bob@biloxi.example.com>;tag=xyz');
    const top = m.via.clone();
    top.params.set('received', '203.0.113.9');
    m.replaceTopVia(top);
    expect(m.getAll('Via')[0]).toBe('SIP/2.0/UDP proxy2.example.org:5060;branch=z9hG4bK721e418c4.1;received=203.0.113.9');
    expect(m.vias).toHaveLength(3);
  });

  it('refuses header values that would inject a line', () => {
    expect(() => invite().set('Subject', 'a\r\nVia: x')).toThrow();
  });

  it('clone is deep: editing the copy leaves the original', () => {
    const m = invite();
    const c = m.clone();
    c.set('Call-ID', 'other');
    c.body[0] = 0x21;
    expect(m.callId).toBe('3848276298220188511@atlanta.example.com');
    expect(m.body[0]).toBe('v'.charCodeAt(0));
  });

  it('contacts accepts "*" and reads expires and q', () => {
    const m = invite();
    m.set('Contact', '*');
    expect(m.contactIsWildcard).toBe(true);
    expect(m.contacts).toEqual([]);
    m.set('Contact', '<sip:a@b>;expires=60;q=0.5, sip:c@d;expires=0');
    expect(m.contacts.map((c) => [c.uri.toString(), c.params.get('expires')])).toEqual([['sip:a@b', '60'], ['sip:c@d', '0']]);
  });
});

describe('builders', () => {
  it('createResponse copies Via, From, To, Call-ID, CSeq and adds a To tag (§8.2.6.2)', () => {
    const req = invite();
    const res = createResponse(req, 180, undefined, { toTag: 'bobtag' }) as SipResponse;
    expect(res.reason).toBe('Ringing');
    expect(res.getAll('Via')).toEqual(req.getAll('Via'));
    expect(res.get('From')).toBe(req.get('From'));
    expect(res.toTag).toBe('bobtag');
    expect(res.callId).toBe(req.callId);
    expect(res.cseq).toEqual(req.cseq);
    expect(res.recordRoutes).toHaveLength(2);
    const text = messageToString(res);
    expect(parseMessage(text).kind).toBe('response');
  });

  it('createResponse keeps an existing To tag and copies Timestamp into 100', () => {
    const req = invite();
    req.to = Object.assign(req.to.clone(), {});
    const tagged = req.to.clone();
    tagged.tag = 'old';
    req.to = tagged;
    req.set('Timestamp', '54');
    const res = createResponse(req, 100, undefined, { toTag: 'new' });
    expect(res.toTag).toBe('old');
    expect(res.get('Timestamp')).toBe('54');
    expect(res.has('Record-Route')).toBe(false);
  });

  it('createRequest builds a request that parses back with the same fields', () => {
    const r = createRequest({
      method: 'MESSAGE',
      uri: 'sip:bob@example.com',
      from: NameAddr.create(parseUri('sip:alice@example.com'), 'Alice Liddell', new Params([{ name: 'tag', value: 't1' }])),
      to: NameAddr.create(parseUri('sip:bob@example.com')),
      callId: 'cid1',
      cseq: 5,
      via: new Via('UDP', '192.0.2.1', 5060, new Params([{ name: 'branch', value: 'z9hG4bKx' }, { name: 'rport', value: null }])),
      body: 'hello ☃',
      contentType: 'text/plain;charset=UTF-8',
    });
    const back = parseMessage(messageToString(r)) as SipRequest;
    expect(back.method).toBe('MESSAGE');
    expect(back.from.displayName).toBe('Alice Liddell');
    expect(back.fromTag).toBe('t1');
    expect(back.via.rport).toBe(true);
    expect(back.maxForwards).toBe(70);
    expect(back.bodyText).toBe('hello ☃');
    expect(back.contentLength).toBe(Buffer.byteLength('hello ☃'));
  });
});
