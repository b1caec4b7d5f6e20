/**
 * Contact (RFC 3261 §20.10): `*` (only in REGISTER, §10.2.2) or a list of name-addr/addr-spec
 * with params (expires, q, +sip.instance, reg-id …).
 */
import { SipParseError } from '../../base/errors';
import { splitTopLevel } from '../lex';
import { parseNameAddr, type NameAddr } from '../name-addr';

export type ContactValue = '*' | NameAddr[];

/** Parses one Contact header value. */
export function parseContacts(s: string, out: NameAddr[] = []): ContactValue {
  const t = s.trim();
  if (t === '*') return '*';
  if (s.indexOf(',') < 0) {
    // One address (the usual case): no list to split.
    if (t.length === 0) throw new SipParseError('bad Contact: empty value', 0);
    out.push(parseNameAddr(t));
    return out;
  }
  const parts = splitTopLevel(s);
  if (parts === null) throw new SipParseError('bad Contact: unbalanced quotes or <>', 0);
  if (parts.length === 0) throw new SipParseError('bad Contact: empty value', 0);
  for (const p of parts) {
    if (p === '*') throw new SipParseError('bad Contact: "*" mixed with addresses', 0);
    out.push(parseNameAddr(p));
  }
  return out;
}

/** The `expires` contact param in seconds, or undefined when absent or malformed. */
export function contactExpires(contact: NameAddr): number | undefined {
  const v = contact.params.get('expires');
  if (v === undefined || v === null || !/^\d{1,10}$/.test(v)) return undefined;
  return Number(v);
}

/** The `q` contact param (0..1), or undefined. */
export function contactQ(contact: NameAddr): number | undefined {
  const v = contact.params.get('q');
  if (v === undefined || v === null || !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) return undefined;
  return Number(v);
}

export function formatContacts(value: ContactValue): string {
  return value === '*' ? '*' : value.map((c) => c.toString()).join(', ');
}
