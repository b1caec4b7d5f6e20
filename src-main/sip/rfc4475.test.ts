/**
 * RFC 4475 torture messages (test/fixtures/sip/rfc4475/*.sip, verdicts in verdicts.json):
 * - parse: a valid message, parsed with its routing fields readable;
 * - reject: parseMessage throws SipParseError (the transport answers 400, or 505 for badvers);
 * - lenient: a UA may accept it (the fault is in a header a UA does not read);
 * - lenient-accessor-rejects: parses, and reading the faulty header throws SipParseError.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SipParseError } from '../base/errors';
import { parseMessage } from './parser';
import { badRequestReason, parseErrorStatus } from './parse-error';

const dir = join(__dirname, '../../test/fixtures/sip/rfc4475');
const verdicts = JSON.parse(readFileSync(join(dir, 'verdicts.json'), 'utf8')) as Record<
  string,
  { section: string; verdict: 'parse' | 'reject' | 'lenient' | 'lenient-accessor-rejects'; note?: string }
>;

describe('RFC 4475 torture messages', () => {
  it('has a verdict for every fixture file', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.sip')).map((f) => f.slice(0, -4)).sort();
    expect(files).toEqual(Object.keys(verdicts).sort());
  });

  for (const [name, v] of Object.entries(verdicts)) {
    const bytes = readFileSync(join(dir, `${name}.sip`));
    if (v.verdict === 'reject') {
      it(`rejects ${name} (§${v.section}) with a SipParseError naming the fault`, () => {
        let err: unknown;
        try {
          parseMessage(bytes);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(SipParseError);
        const reason = badRequestReason(err as SipParseError);
        expect(reason.length).toBeGreaterThan(3);
        expect(reason).not.toMatch(/[\r\n]/);
        expect(parseErrorStatus(err as SipParseError)).toBe(name === 'badvers' ? 505 : 400);
      });
    } else {
      it(`parses ${name} (§${v.section}) and reads its routing fields`, () => {
        const m = parseMessage(bytes);
        expect(m.callId.length).toBeGreaterThan(0);
        expect(m.vias.length).toBeGreaterThan(0);
        expect(m.cseq.seq).toBeGreaterThanOrEqual(0);
        void m.from.tag;
        void m.to.tag;
        if (v.verdict === 'lenient-accessor-rejects') expect(() => m.contacts).toThrow(SipParseError);
        else void m.contacts;
      });
    }
  }

  it('reads wsinv exactly: folded and compact headers, escaped quotes, odd whitespace', () => {
    const m = parseMessage(readFileSync(join(dir, 'wsinv.sip')));
    expect(m.kind).toBe('request');
    expect(m.to.tag).toBe('1918181833n');
    expect(m.from.tag).toBe('98asjd8');
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.get('Subject')).toBe('');
    expect(m.contacts[0]!.params.get('q')).toBe('0.33');
    expect(m.contacts[0]!.params.get('newparam')).toBe('newvalue');
    expect(m.routes[0]!.uri.toString()).toBe('sip:services.example.com;lr;unknownwith=value;unknown-no-value');
    expect(m.body.length).toBe(150);
  });

  it('treats esc02 RE%47IST%45R as an unknown method and C%6Fntact as an unknown header', () => {
    const m = parseMessage(readFileSync(join(dir, 'esc02.sip')));
    expect(m.kind === 'request' && m.method).toBe('RE%47IST%45R');
    expect(m.contacts.map((c) => c.uri.toString())).toEqual(['sip:alias1@host1.example.com', 'sip:alias3@host3.example.com']);
  });

  it('keeps the UTF-8 reason phrase of unreason and the empty one of noreason', () => {
    const u = parseMessage(readFileSync(join(dir, 'unreason.sip')));
    expect(u.kind === 'response' && u.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    const n = parseMessage(readFileSync(join(dir, 'noreason.sip')));
    expect(n.kind === 'response' && n.reason).toBe('');
  });

  it('ignores the second request in dblreq (octets beyond Content-Length)', () => {
    const m = parseMessage(readFileSync(join(dir, 'dblreq.sip')));
    expect(m.kind === 'request' && m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('reads the user with ";" in semiuri and keeps unknown schemes opaque in unkscm', () => {
    const s = parseMessage(readFileSync(join(dir, 'semiuri.sip')));
    expect(s.kind === 'request' && s.uri.kind === 'sip' && s.uri.user).toBe('user;par=u%40example.net');
    const u = parseMessage(readFileSync(join(dir, 'unkscm.sip')));
    expect(u.kind === 'request' && u.uri.kind).toBe('absolute');
  });
});
