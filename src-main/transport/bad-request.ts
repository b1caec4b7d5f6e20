import { randomToken } from '../base/random-ids';

/**
 * The answer to a request that failed to parse (RFC 3261 §8.2.1 / §21.4.1 "400 Bad Request …
 * The reason phrase SHOULD identify the syntax problem in more detail"). The message could not
 * become a `SipRequest`, so the fields a response must copy (§8.2.6.2: Via, From, To, Call-ID,
 * CSeq) are lifted from the raw header lines. Without all of them no response can be formed and
 * the request is dropped. Responses themselves are never answered (§18.1.2).
 */
const COPY: Record<string, string> = {
  via: 'Via',
  v: 'Via',
  from: 'From',
  f: 'From',
  to: 'To',
  t: 'To',
  'call-id': 'Call-ID',
  i: 'Call-ID',
  cseq: 'CSeq',
};
const REQUIRED = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];

/** Unfolded header lines of a raw message's head (RFC 3261 §7.3.1), start line first. */
function headLines(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const head = (end >= 0 ? text.slice(0, end) : text).replace(/^(\r\n)+/, '');
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
}

/** True when the raw bytes start like a request (not "SIP/2.0 …", not empty). */
export function looksLikeRequest(bytes: Uint8Array): boolean {
  const first = headLines(bytes)[0] ?? '';
  return /^[A-Za-z!%*_+`'~.-]+ \S/.test(first) && !/^SIP\//i.test(first);
}

/**
 * Response bytes for a malformed request, or undefined when the request lacks a header needed to
 * answer it (then it is dropped).
 */
export function buildErrorResponse(bytes: Uint8Array, status: number, reason: string): Buffer | undefined {
  if (!looksLikeRequest(bytes)) return undefined;
  const picked: Array<[string, string]> = [];
  for (const line of headLines(bytes).slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = COPY[line.slice(0, colon).trim().toLowerCase()];
    if (name === undefined) continue;
    const value = line.slice(colon + 1).trim();
    if (value.length === 0) continue;
    picked.push([name, value]);
  }
  for (const need of REQUIRED) if (!picked.some(([n]) => n === need)) return undefined;
  let out = `SIP/2.0 ${status} ${reason.replace(/[\r\n]/g, ' ')}\r\n`;
  let toDone = false;
  for (const [name, value] of picked) {
    if (name === 'To') {
      if (toDone) continue; // one To only
      toDone = true;
      // §8.2.6.2: a response without a To tag gets one.
      out += /;\s*tag\s*=/i.test(value) ? `To: ${value}\r\n` : `To: ${value};tag=${randomToken(10)}\r\n`;
      continue;
    }
    out += `${name}: ${value}\r\n`;
  }
  return Buffer.from(out + 'Content-Length: 0\r\n\r\n', 'utf8');
}
