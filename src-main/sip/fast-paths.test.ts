/**
 * The parser reads the usual shapes of a sip URI, a Via and a From/To name-addr through one
 * anchored pattern each, in front of the full scanners. These properties pin that a value read
 * through its fast path gives the same result as through the scanner: the same value forced onto
 * the scanner (upper-case scheme, a leading space) must read the same, and fail the same.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SipParseError } from '../base/errors';
import { parseVias, type Via } from './headers/via';
import { parseNameAddr, parseNameAddrLazily, type NameAddr } from './name-addr';
import type { Params } from './params';
import { checkUri, parseUri, type Uri } from './uri';

/** Strings glued from pieces that sit on the edges of the grammars. */
const glued = (prefixes: readonly string[], pieces: readonly string[], maxLength: number) =>
  fc.tuple(fc.constantFrom(...prefixes), fc.array(fc.constantFrom(...pieces), { maxLength })).map(([p, xs]) => p + xs.join(''));

const URI_PIECES = [
  'alice', '@', ':', ';', '=', '?', '&', '%41', '%4', '.', '-', '~', "'", '(', '+', '/', ',', '5060', '65536', '[', ']', ' ', '"', '<', '>', 'é',
];
/** One of `valid` mostly, else one of `off` (just off the grammar). */
const part = (valid: readonly string[], off: readonly string[]) =>
  fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 4 }, { arbitrary: fc.constantFrom(...off), weight: 1 });

/** sip URIs built part by part, each part mostly valid, sometimes just off the grammar. */
const uriText = fc
  .tuple(
    fc.constantFrom('sip:', 'sips:'),
    part(['', 'alice@', "a.b-c_d!~*'()&=+$,;?/@", 'alice:secret@', '%61lice@'], ['%6@', '@', 'a b@', 'é@', 'a:@']),
    part(['example.com', '192.0.2.1', 'h', '[2001:db8::1]', 'a-b.c'], ['[::1', 'a_b', '', 'ex%41.com', '[::g]']),
    part(['', ':5060', ':0', ':65535', ':05060', ':1'], [':65536', ':99999', ':123456', ':', ':x']),
    fc.array(part([';lr', ';transport=udp', ';maddr=1.2.3.4', ';a=b=c', ';x=', ';[v]=/:&+$', ';%41=1'], [';', ';=x', ';%4=1', ';a b', ';"q"', ';a@b']), {
      maxLength: 3,
    }),
    part(['', '', '', '?subject=x', '?a=b&c=d', '?', '?&'], ['?a b', '?%zz', '?<']),
    fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, { arbitrary: fc.constantFrom(...URI_PIECES), weight: 1 }),
  )
  .map((parts) => parts.join(''));

const params = (p: Params) => p.entries().map((e) => [e.name, e.value]);
const readUri = (u: Uri) =>
  u.kind === 'sip' ? [u.scheme, u.user, u.password, u.host, u.port, params(u.params), params(u.headers), u.toString()] : [u.kind, u.toString()];
const readVia = (v: Via) => [v.protocol, v.transport, v.host, v.port, v.branch, params(v.params), v.toString()];
const readAddr = (a: NameAddr) => [a.display, a.tag, a.angle, readUri(a.uri), params(a.params), a.toString()];

/** The outcome of a read: its result, or the fault's offset (shifted back by `shift`). */
function outcome<T>(read: () => T, shift = 0): T | { fault: number } {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    return { fault: e.offset - shift };
  }
}

describe('fast paths agree with the full scanners', () => {
  it('reads a sip URI the same with a lower- and an upper-case scheme (§19.1.1)', () => {
    fc.assert(
      fc.property(uriText, (s) => {
        const upper = s.replace(/^sips?/, (m) => m.toUpperCase());
        expect(outcome(() => readUri(parseUri(s)))).toEqual(outcome(() => readUri(parseUri(upper))));
        // checkUri fails exactly where parseUri fails.
        expect(outcome(() => checkUri(s))).toEqual(outcome(() => void parseUri(s)));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a Via the same with and without leading white space (§20.42)', () => {
    const via = glued(
      ['SIP/2.0/UDP 192.0.2.1:5060', 'SIP/2.0/TCP host.example.com', 'SIP/2.0/TLS h:65535', 'SIP/2.0/WSS h', 'SIP/2.0/ UDP h'],
      [';branch=z9hG4bK1', ';BRANCH=x', ';branch', ';rport', ';rport=5060', ';received=192.0.2.2', '=', ';', ',', ' ', '"q"', '<', ':', '99999', '_', 'é', 'x'],
      6,
    );
    fc.assert(
      fc.property(via, (s) => {
        expect(outcome(() => parseVias(s).map(readVia))).toEqual(outcome(() => parseVias(' ' + s).map(readVia), 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a name-addr the same with and without leading white space, built now or on first read (§20.10)', () => {
    const addr = fc
      .tuple(
        fc.constantFrom('', '"Alice" ', '"Alice"', '"A\\"b" ', 'Bob ', 'Bob Smith ', '"é" ', 'x;y '),
        fc.constantFrom('<', ''),
        uriText,
        fc.constantFrom('>', ''),
        glued([''], [';tag=1', ';TAG=a', ';tag', ';tag=', ';x=1', ' ;tag=2', ';expires=60', ';;', ';+sip.instance="<urn:x>"', ' '], 3),
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(addr, (s) => {
        const fast = outcome(() => readAddr(parseNameAddr(s)));
        expect(fast).toEqual(outcome(() => readAddr(parseNameAddr(' ' + s)), 1));
        expect(fast).toEqual(outcome(() => readAddr(parseNameAddrLazily(s))));
      }),
      { numRuns: 2000 },
    );
  });
});
