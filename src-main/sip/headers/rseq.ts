/**
 * RSeq and RAck (RFC 3262 §7.1, §7.2):
 *   RSeq = "RSeq" HCOLON response-num
 *   RAck = "RAck" HCOLON response-num LWS CSeq-num LWS Method
 *   response-num = 1*DIGIT
 * §3: the first RSeq is chosen between 1 and 2**31 - 1; response numbers stay below 2**32.
 */
import { MAX_CSEQ } from './cseq';

export const MAX_RSEQ = 2 ** 32 - 1;

export interface RAck {
  readonly rseq: number;
  readonly cseq: number;
  readonly method: string;
}

const DIGITS = /^\d{1,10}$/;
const RACK = /^\s*(\d{1,10})\s+(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/;

/** The response number of an RSeq value, or undefined when it is not 1*DIGIT in range. */
export function parseRSeq(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!DIGITS.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_RSEQ ? n : undefined;
}

/** An RAck value, or undefined when malformed (RFC 3262 §7.2). */
export function parseRAck(value: string | undefined): RAck | undefined {
  if (value === undefined) return undefined;
  const m = RACK.exec(value);
  if (!m) return undefined;
  const rseq = Number(m[1]);
  const cseq = Number(m[2]);
  if (rseq < 1 || rseq > MAX_RSEQ || cseq > MAX_CSEQ) return undefined;
  return { rseq, cseq, method: m[3]! };
}

export function formatRAck(rack: RAck): string {
  return `${rack.rseq} ${rack.cseq} ${rack.method}`;
}
