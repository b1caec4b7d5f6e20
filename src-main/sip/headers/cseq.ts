/** CSeq (RFC 3261 §20.16, §8.1.1.5): `1*DIGIT LWS Method`, the number below 2**31. */
import { SipParseError } from '../../base/errors';
import { isTokenChar, isWs, parseDigits, skipWs, skipWsBack } from '../lex';

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

export const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(s: string, start = 0, end = s.length): CSeq {
  let i = skipWs(s, start, end);
  end = skipWsBack(s, end, i);
  const ds = i;
  while (i < end && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const seq = parseDigits(s, ds, i, 10);
  if (seq < 0 || seq > MAX_CSEQ) throw new SipParseError('bad CSeq: sequence number missing or not below 2**31', ds);
  if (i >= end || !isWs(s.charCodeAt(i))) throw new SipParseError('bad CSeq: missing method', i);
  i = skipWs(s, i, end);
  const ms = i;
  while (i < end && isTokenChar(s.charCodeAt(i))) i++;
  if (i === ms || i !== end) throw new SipParseError('bad CSeq: bad method', i);
  return { seq, method: s.slice(ms, end) };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
