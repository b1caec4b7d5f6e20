import { describe, expect, it } from 'vitest';
import { formatRAck, parseRAck, parseRSeq } from './rseq';

describe('RSeq and RAck (RFC 3262 §7)', () => {
  it('reads a response number and refuses anything but 1*DIGIT in 1..2**32-1', () => {
    expect(parseRSeq(' 988789 ')).toBe(988789);
    expect(parseRSeq('4294967295')).toBe(4294967295);
    expect(parseRSeq('4294967296')).toBeUndefined();
    expect(parseRSeq('0')).toBeUndefined();
    expect(parseRSeq('12a')).toBeUndefined();
    expect(parseRSeq('')).toBeUndefined();
    expect(parseRSeq(undefined)).toBeUndefined();
  });

  it('reads "response-num CSeq-num Method" and writes it back', () => {
    const rack = parseRAck('776656 1 INVITE');
    expect(rack).toEqual({ rseq: 776656, cseq: 1, method: 'INVITE' });
    expect(formatRAck(rack!)).toBe('776656 1 INVITE');
    expect(parseRAck('  5\t2   INVITE ')).toEqual({ rseq: 5, cseq: 2, method: 'INVITE' });
  });

  it('refuses an RAck with a missing part, a zero response number or a CSeq past 2**31-1', () => {
    expect(parseRAck('776656 INVITE')).toBeUndefined();
    expect(parseRAck('0 1 INVITE')).toBeUndefined();
    expect(parseRAck('1 2147483648 INVITE')).toBeUndefined();
    expect(parseRAck('1 1 INV ITE')).toBeUndefined();
    expect(parseRAck(undefined)).toBeUndefined();
  });
});
