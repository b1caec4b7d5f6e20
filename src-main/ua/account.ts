/**
 * An account: the address of record, credentials, and how to reach the registrar (outbound
 * proxy, transport). `resolveAccount` validates user input into the parsed form the engine uses.
 */
import { ValidationError } from '../base/errors';
import { NameAddr, parseUri, SipUri } from '../sip';
import type { TransportProtocol } from '../transport/transport';

export interface AccountConfig {
  readonly id: string;
  /** The address of record, e.g. sip:alice@example.org (sips: forces TLS). */
  readonly aor: string;
  readonly displayName?: string;
  /** Digest user name when it differs from the AoR's user part. */
  readonly authUser?: string;
  readonly password?: string;
  /** Outbound proxy, e.g. sip:127.0.0.1:5061;transport=tls. */
  readonly proxy?: string;
  /** Transport to the registrar/proxy when the URIs do not say. */
  readonly transport?: TransportProtocol;
  /** Requested registration lifetime in seconds (default 600). */
  readonly registerExpires?: number;
  /** RFC 5626 outbound: +sip.instance and reg-id on the Contact. */
  readonly instanceId?: string;
  /** CRLF keep-alive interval on TCP/TLS connections (RFC 5626 §4.4.1); 0 turns it off. */
  readonly keepAliveSeconds?: number;
}

export interface ResolvedAccount {
  readonly config: AccountConfig;
  readonly aor: SipUri;
  readonly authUser: string;
  /** The transport every request of this account uses. */
  readonly protocol: TransportProtocol;
  /** Request-URI of REGISTER (§10.2: the registrar's domain). */
  readonly registrar: SipUri;
  /** Route set for the outbound proxy (a loose route), empty when none. */
  readonly routes: readonly NameAddr[];
  /** Where requests go first: the proxy, or the registrar. */
  readonly nextHop: SipUri;
  /** Whether Contact and Request-URIs should be sips: (RFC 3261 §26.2.2). */
  readonly secure: boolean;
}

const PROTOCOLS: readonly TransportProtocol[] = ['udp', 'tcp', 'tls'];

/** Parses a sip:/sips: URI given by a user; anything else is a ValidationError naming `what`. */
export function parseSipUri(text: string, what: string): SipUri {
  let uri;
  try {
    uri = parseUri(text.trim());
  } catch (error) {
    throw new ValidationError(`${what} is not a valid SIP URI: ${text} (${(error as Error).message})`);
  }
  if (!(uri instanceof SipUri)) throw new ValidationError(`${what} must be a sip: or sips: URI: ${text}`);
  return uri;
}

/** Checks an account's settings and derives how to reach its registrar. Throws ValidationError. */
export function resolveAccount(config: AccountConfig): ResolvedAccount {
  const aor = parseSipUri(config.aor, 'account address');
  if (!aor.user) throw new ValidationError(`account address needs a user part: ${config.aor}`);
  if (config.transport !== undefined && !PROTOCOLS.includes(config.transport)) {
    throw new ValidationError(`transport must be one of ${PROTOCOLS.join(', ')}: ${String(config.transport)}`);
  }
  if (config.registerExpires !== undefined && (!Number.isInteger(config.registerExpires) || config.registerExpires < 1)) {
    throw new ValidationError(`registration interval must be a whole number of seconds ≥ 1: ${config.registerExpires}`);
  }
  const proxy = config.proxy !== undefined ? parseSipUri(/^sips?:/i.test(config.proxy) ? config.proxy : `sip:${config.proxy}`, 'proxy') : undefined;
  const secure = aor.scheme === 'sips' || proxy?.scheme === 'sips';
  const protocol: TransportProtocol = secure
    ? 'tls'
    : (asProtocol(proxy?.transport) ?? config.transport ?? asProtocol(aor.transport) ?? 'udp');
  if (secure && config.transport !== undefined && config.transport !== 'tls') {
    throw new ValidationError(`a sips: account or proxy needs TLS, not ${config.transport}`);
  }

  const registrar = new SipUri(aor.scheme, aor.host, undefined, undefined, aor.port);
  let routes: NameAddr[] = [];
  let nextHop: SipUri;
  if (proxy) {
    const route = proxy.clone();
    route.params.set('lr');
    if (protocol !== 'udp' && route.scheme !== 'sips') route.params.set('transport', protocol);
    routes = [NameAddr.create(route)];
    nextHop = route;
  } else {
    if (protocol !== 'udp' && registrar.scheme !== 'sips') registrar.params.set('transport', protocol);
    nextHop = registrar;
  }
  return { config, aor, authUser: config.authUser ?? decodeURIComponent(aor.user), protocol, registrar, routes, nextHop, secure };
}

function asProtocol(t: string | undefined): TransportProtocol | undefined {
  return t !== undefined && (PROTOCOLS as readonly string[]).includes(t) ? (t as TransportProtocol) : undefined;
}
