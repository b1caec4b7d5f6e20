import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SipParseError } from '../base/errors';
import { CORPUS } from '../../bench/sip-corpus';
import { MAX_HEADERS, MAX_MESSAGE_BYTES } from './constants';
import { parseMessage } from './parser';
import { badRequestReason } from './parse-error';
import { serializeMessage } from './serializer';

const msg = (lines: string[], body = ''): string => lines.join('\r\n') + '\r\n\r\n' + body;
const BASE = [
  'OPTIONS sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa',
  'Max-Forwards: 70',
  'From: <sip:alice@example.com>;tag=1',
  'To: <sip:bob@example.com>',
  'Call-ID: abc@192.0.2.1',
  'CSeq: 1 OPTIONS',
];
const errorOf = (data: string | Buffer, mode?: 'stream'): SipParseError => {
  try {
    parseMessage(data, mode ? { mode } : {});
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error('expected a SipParseError');
};

describe('parseMessage', () => {
  it('round-trips every corpus message in canonical form byte for byte', () => {
    for (const [name, text] of Object.entries(CORPUS)) {
      if (name === 'folded') continue;
      expect(serializeMessage(parseMessage(Buffer.from(text))).toString('utf8')).toBe(text);
    }
  });

  it('unfolds continuation lines into one space (§7.3.1)', () => {
    const m = parseMessage(Buffer.from(CORPUS.folded!));
    expect(m.get('From')).toBe('"Alice" <sip:alice@example.com>;tag=9fxced76sl');
    expect(m.cseq).toEqual({ seq: 7, method: 'OPTIONS' });
    expect(m.via.branch).toBe('z9hG4bK74bf9');
  });

  it('skips CRLFs before the start line (§7.5)', () => {
    expect(parseMessage('\r\n\r\n' + msg([...BASE, 'Content-Length: 0'])).kind).toBe('request');
  });

  it('names the missing required header', () => {
    for (const h of ['Call-ID', 'From', 'To', 'CSeq', 'Via']) {
      const lines = BASE.filter((l) => !l.startsWith(h + ':'));
      expect(errorOf(msg(lines)).message).toBe(`missing ${h} header`);
    }
  });

  it('accepts a request without Max-Forwards (lenient, §8.2.1)', () => {
    const m = parseMessage(msg(BASE.filter((l) => !l.startsWith('Max-Forwards'))));
    expect(m.maxForwards).toBeUndefined();
  });

  it('reports a bad CSeq, and a short reason for the 400', () => {
    const e = errorOf(msg([...BASE.slice(0, 6), 'CSeq: x OPTIONS']));
    expect(e.message).toMatch(/^bad CSeq/);
    expect(badRequestReason(e)).toMatch(/^Bad CSeq/);
  });

  it('reports Content-Length larger than the body with both numbers', () => {
    expect(errorOf(msg([...BASE, 'Content-Length: 500'], 'x'.repeat(20))).message).toBe('Content-Length 500 exceeds body 20 bytes');
  });

  it('takes the rest of the datagram as body without Content-Length, and requires it on streams', () => {
    expect(parseMessage(msg(BASE, 'hello')).bodyText).toBe('hello');
    expect(errorOf(msg(BASE, 'hello'), 'stream').message).toMatch(/missing Content-Length/);
  });

  it('copies the body out of the input on first read; later changes to the input do not reach it', () => {
    const input = Buffer.from(msg([...BASE, 'Content-Length: 5'], 'hello'));
    const m = parseMessage(input);
    expect(m.contentLength).toBe(5);
    expect(m.bodyText).toBe('hello');
    input.fill(0x78, input.length - 5);
    expect(m.bodyText).toBe('hello');
    expect(m.clone().bodyText).toBe('hello');
  });

  it('keeps a UTF-8 body intact and counts Content-Length in bytes', () => {
    const body = 'Grüße 👋';
    const m = parseMessage(msg([...BASE, `Content-Length: ${Buffer.byteLength(body)}`], body));
    expect(m.bodyText).toBe(body);
  });

  it('rejects messages over the size and header-count limits', () => {
    expect(errorOf(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 65)).message).toBe(`message exceeds ${MAX_MESSAGE_BYTES} bytes`);
    const many = Array.from({ length: MAX_HEADERS }, (_, i) => `X-H${i}: v`);
    expect(errorOf(msg([...BASE, ...many])).message).toBe(`more than ${MAX_HEADERS} headers`);
  });

  it('gives the byte offset of the fault', () => {
    const text = msg([...BASE.slice(0, 6), 'CSeq: 1 OPTIONS', 'Bad Header Line']);
    expect(errorOf(text).offset).toBe(text.indexOf('Bad Header Line'));
  });

  it('answers compact and long names alike, case-insensitively', () => {
    const m = parseMessage(Buffer.from(CORPUS.compact!));
    expect(m.get('CALL-ID')).toBe(m.get('i'));
    expect(m.getAll('via')).toHaveLength(2);
    expect(m.contentType).toBe('application/sdp');
  });

  it('parses a response status line with an empty reason phrase', () => {
    const m = parseMessage(msg(['SIP/2.0 180 ', ...BASE.slice(1)]));
    expect(m.kind === 'response' && [m.status, m.reason]).toEqual([180, '']);
  });
});

describe('parseMessage properties', () => {
  const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.\-]{0,15}$/);
  const branch = token.map((t) => 'z9hG4bK' + t);

  it('round-trips generated canonical messages (parse ∘ serialize is identity)', () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('INVITE', 'BYE', 'OPTIONS', 'MESSAGE', 'NOTIFY', 'X-CUSTOM'),
          user: token,
          host: token.map((t) => t.toLowerCase() + '.example.com'),
          branches: fc.array(branch, { minLength: 1, maxLength: 4 }),
          tag: token,
          callId: token,
          seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          body: fc.string({ maxLength: 200, unit: 'grapheme' }),
          display: fc.option(fc.string({ maxLength: 20 }).map((s) => '"' + s.replace(/["\\\r\n]/g, '') + '"'), { nil: undefined }),
        }),
        (r) => {
          const body = Buffer.from(r.body, 'utf8');
          const text =
            [
              `${r.method} sip:${r.user}@${r.host} SIP/2.0`,
              ...r.branches.map((b, i) => `Via: SIP/2.0/UDP 192.0.2.${i + 1}:5060;branch=${b}`),
              'Max-Forwards: 70',
              `From: ${r.display !== undefined ? r.display + ' ' : ''}<sip:a@${r.host}>;tag=${r.tag}`,
              `To: <sip:${r.user}@${r.host}>`,
              `Call-ID: ${r.callId}`,
              `CSeq: ${r.seq} ${r.method}`,
              `Content-Length: ${body.length}`,
            ].join('\r\n') + '\r\n\r\n';
          const bytes = Buffer.concat([Buffer.from(text), body]);
          const m = parseMessage(bytes);
          expect(m.vias.map((v) => v.branch)).toEqual(r.branches);
          expect(m.from.tag).toBe(r.tag);
          expect(serializeMessage(m).equals(bytes)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws only SipParseError on mutated and truncated real messages, and finishes fast', () => {
    const samples = Object.values(CORPUS).map((t) => Buffer.from(t));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, edits, cut) => {
          const b = Buffer.from(samples[which]!);
          for (const [pos, byte] of edits) b[pos % b.length] = byte;
          const input = cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
          const t0 = performance.now();
          try {
            const m = parseMessage(input);
            // Lazy accessors must also fail only with SipParseError.
            void m.contacts;
            void m.routes;
            void m.recordRoutes;
          } catch (e) {
            if (!(e instanceof SipParseError)) throw e;
          }
          expect(performance.now() - t0).toBeLessThan(1000);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
