import { describe, expect, it } from 'vitest';
import { SipParseError } from '../base/errors';
import { CORPUS } from '../../bench/sip-corpus';
import { frameLength, leadingCrlfLength } from './framing';
import { parseMessage } from './parser';

describe('frameLength (stream framing, RFC 3261 §18.3)', () => {
  it('splits back-to-back messages by Content-Length, including compact l:', () => {
    const parts = [CORPUS.invite!, CORPUS.compact!, CORPUS.ack!].map((t) => Buffer.from(t));
    let buf = Buffer.concat(parts);
    for (const p of parts) {
      const n = frameLength(buf);
      expect(n).toBe(p.length);
      expect(parseMessage(buf.subarray(0, n as number), { mode: 'stream' }).callId).toBeTruthy();
      buf = buf.subarray(n as number);
    }
    expect(frameLength(buf)).toBe('incomplete');
  });

  it('says incomplete for every prefix of a message', () => {
    const b = Buffer.from(CORPUS.ok!);
    for (let i = 0; i < b.length; i++) expect(frameLength(b.subarray(0, i))).toBe('incomplete');
    expect(frameLength(b)).toBe(b.length);
  });

  it('counts keep-alive CRLFs in front (RFC 5626 §3.5.1)', () => {
    const b = Buffer.concat([Buffer.from('\r\n\r\n'), Buffer.from(CORPUS.bye!)]);
    expect(leadingCrlfLength(b)).toBe(4);
    expect(frameLength(b)).toBe(b.length);
    expect(frameLength(Buffer.from('\r\n\r\n'))).toBe('incomplete');
  });

  it('returns an error for a missing or bad Content-Length and for oversize heads', () => {
    const noCl = Buffer.from(CORPUS.bye!.replace('Content-Length: 0\r\n', ''));
    expect(frameLength(noCl)).toBeInstanceOf(SipParseError);
    expect(frameLength(Buffer.from(CORPUS.bye!.replace('Content-Length: 0', 'Content-Length: -1')))).toBeInstanceOf(SipParseError);
    expect(frameLength(Buffer.alloc(70000, 65))).toBeInstanceOf(SipParseError);
  });
});
