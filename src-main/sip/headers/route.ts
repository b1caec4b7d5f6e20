/**
 * Route and Record-Route (RFC 3261 §20.30, §20.34): comma-separated name-addrs, always in <>.
 * Loose routing is signalled by the `lr` URI parameter (§16.12).
 */
import { SipParseError as SipParseError_ } from '../../base/errors';
import { splitTopLevel as splitTopLevel_ } from '../lex';
import { parseNameAddr as parseNameAddr_, type NameAddr } from '../name-addr';

// Local bindings: under tsx every read of an imported binding goes through an interop getter.
const SipParseError = SipParseError_;
type SipParseError = SipParseError_;
const splitTopLevel = splitTopLevel_;
const parseNameAddr = parseNameAddr_;

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
