import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSdp, writeSdp } from './sdp-codec';
import { SdpError } from './sdp-error';

const DIR = join(import.meta.dirname, '../../test/fixtures/sdp');
const FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.sdp'))
  .map((f) => readFileSync(join(DIR, f), 'utf8'));

/** Parses, and if that works, writes and parses again: only SdpError may escape. */
function survives(text: string): void {
  let model;
  try {
    model = parseSdp(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SdpError);
    return;
  }
  expect(parseSdp(writeSdp(model))).toEqual(model);
}

describe('SDP codec on hostile input (property based, bounded)', () => {
  it('never throws anything but SdpError for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => survives(s)), { numRuns: 300 });
  });

  it('never throws anything but SdpError for fixtures with lines dropped, duplicated or mangled', () => {
    const mutation = fc.record({
      fixture: fc.nat({ max: FIXTURES.length - 1 }),
      line: fc.nat({ max: 40 }),
      kind: fc.constantFrom('drop', 'duplicate', 'truncate', 'garble', 'swap'),
      noise: fc.string({ maxLength: 12 }),
      cut: fc.nat({ max: 30 }),
    });
    fc.assert(
      fc.property(mutation, ({ fixture, line, kind, noise, cut }) => {
        const lines = FIXTURES[fixture]!.split('\n');
        const i = line % lines.length;
        const target = lines[i]!;
        if (kind === 'drop') lines.splice(i, 1);
        else if (kind === 'duplicate') lines.splice(i, 0, target);
        else if (kind === 'truncate') lines[i] = target.slice(0, cut);
        else if (kind === 'garble') lines[i] = target.slice(0, cut) + noise + target.slice(cut);
        else lines.splice(i, 2, ...lines.slice(i, i + 2).reverse());
        survives(lines.join('\r\n'));
      }),
      { numRuns: 500 },
    );
  });

  it('reads numeric-looking user names and session names as text', () => {
    const d = parseSdp('v=0\r\no=1000 1 1 IN IP4 192.0.2.1\r\ns=1\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=fmtp:0 1\r\n');
    expect(d.origin.username).toBe('1000');
    expect(d.sessionName).toBe('1');
    expect(d.media[0]!.payloads[0]!.fmtp).toBe('1');
  });
});
