/**
 * Route and Record-Route (RFC 3261 §20.30, §20.34): comma-separated name-addrs, always in <>.
 * Loose routing is signalled by the `lr` URI parameter (§16.12).
 */
import { SipParseError } from '../../base/errors';
import { splitTopLevel } from '../lex';
import { parseNameAddr, type NameAddr } from '../name-addr';

export function parseRoutes(s: string, out: NameAddr[] = []): NameAddr[] {
  const parts = splitTopLevel(s);
  if (parts === null) throw new SipParseError('bad route: unbalanced quotes or <>', 0);
  for (const p of parts) {
    const na = parseNameAddr(p);
    if (!na.angle) throw new SipParseError('bad route: URI must be in <>', 0);
    out.push(na);
  }
  return out;
}

export function formatRoutes(routes: readonly NameAddr[]): string {
  return routes.map((r) => r.toString()).join(', ');
}
