import { isIP } from 'node:net';
import { Resolver as DnsResolver, lookup as dnsLookup } from 'node:dns/promises';
import { TransportError } from '../base/errors';
import type { TransportProtocol } from './transport';

/**
 * Locating SIP servers (RFC 3263 §4): a SIP or SIPS URI to an ordered list of
 * {protocol, IP, port} targets to try in turn.
 *
 *   numeric IP ─────────────────────────────► direct (port or 5060/5061)
 *   explicit port ──────────────────────────► A/AAAA of the host
 *   otherwise ─► NAPTR (SIP+D2U, SIP+D2T, SIPS+D2T)
 *                 └─ none ─► SRV _sip._udp, _sip._tcp, _sips._tcp (RFC 2782 order)
 *                              └─ none ─► A/AAAA with 5060 (sip) / 5061 (sips)
 *
 * The DNS functions are injected (the shape of node:dns/promises `Resolver`) so tests run
 * on a table.
 */
export interface NaptrRecord {
  readonly flags: string;
  readonly service: string;
  readonly regexp: string;
  readonly replacement: string;
  readonly order: number;
  readonly preference: number;
}

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** The subset of node:dns/promises `Resolver` used here. */
export interface DnsFunctions {
  resolveNaptr(name: string): Promise<NaptrRecord[]>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** getaddrinfo-style fallback (hosts file), used when A and AAAA queries find nothing. */
  lookup?(name: string): Promise<string[]>;
}

/** What the resolver needs of a URI (RFC 3263 §4: scheme, host, port, transport, maddr). */
export interface ResolveInput {
  readonly secure: boolean;
  readonly host: string;
  readonly port?: number | undefined;
  /** The `transport` URI parameter, if any. */
  readonly transport?: string | undefined;
  /** The `maddr` URI parameter, if any: it replaces the host (RFC 3263 §4). */
  readonly maddr?: string | undefined;
}

export interface ResolvePreferences {
  /** Transports this UA can use, in its own order of preference for SRV fallbacks. */
  readonly supported?: readonly TransportProtocol[];
  /** Put IPv6 addresses first; default false. */
  readonly preferIpv6?: boolean;
}

export interface ResolvedTarget {
  readonly protocol: TransportProtocol;
  readonly host: string;
  readonly port: number;
  /** The domain the certificate must match (RFC 5922 §4), for TLS. */
  readonly serverName: string;
}

const SERVICE: Record<string, TransportProtocol> = { 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };
const SRV_PREFIX: Record<TransportProtocol, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };
export const DEFAULT_PORT: Record<TransportProtocol, number> = { udp: 5060, tcp: 5060, tls: 5061 };

/** The system resolver, with hosts-file fallback. */
export function systemDns(): DnsFunctions {
  const r = new DnsResolver();
  return {
    resolveNaptr: (n) => r.resolveNaptr(n),
    resolveSrv: (n) => r.resolveSrv(n),
    resolve4: (n) => r.resolve4(n),
    resolve6: (n) => r.resolve6(n),
    lookup: async (n) => (await dnsLookup(n, { all: true })).map((a) => a.address),
  };
}

/**
 * RFC 2782 ordering: ascending priority; inside one priority, a weighted random draw
 * (records of weight 0 first in the list so they keep a small chance, per the RFC's text).
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) {
    if (r.name === '' || r.name === '.') continue; // "." means: service decidedly not available
    const list = byPriority.get(r.priority) ?? [];
    list.push(r);
    byPriority.set(r.priority, list);
  }
  const out: SrvRecord[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const pool = [...byPriority.get(priority)!].sort((a, b) => (a.weight === 0 ? -1 : 0) - (b.weight === 0 ? -1 : 0));
    while (pool.length > 0) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      const pick = Math.floor(random() * (total + 1));
      let sum = 0;
      let index = pool.length - 1;
      for (let i = 0; i < pool.length; i++) {
        sum += pool[i]!.weight;
        if (sum >= pick) {
          index = i;
          break;
        }
      }
      out.push(pool.splice(index, 1)[0]!);
    }
  }
  return out;
}

export class SipResolver {
  constructor(
    private readonly dns: DnsFunctions = systemDns(),
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Ordered targets for a URI. Rejects with `TransportError('transport.dns')` when nothing
   * resolves.
   */
  async resolve(uri: ResolveInput, prefs: ResolvePreferences = {}): Promise<ResolvedTarget[]> {
    const supported = (prefs.supported ?? ['udp', 'tcp', 'tls']).filter((p) => !uri.secure || p === 'tls');
    const rawHost = uri.maddr ?? uri.host;
    const host = rawHost.startsWith('[') && rawHost.endsWith(']') ? rawHost.slice(1, -1) : rawHost;
    const explicit = this.explicitProtocol(uri);
    if (explicit && !supported.includes(explicit)) {
      throw new TransportError('transport.dns', `transport ${explicit} of ${host} is not supported here`);
    }
    const failures: unknown[] = [];

    // §4.1/§4.2: numeric IP, or explicit port: no NAPTR/SRV.
    if (isIP(host) !== 0 || uri.port !== undefined) {
      const protocol = explicit ?? (uri.secure ? 'tls' : 'udp');
      const port = uri.port ?? DEFAULT_PORT[protocol];
      const ips = isIP(host) !== 0 ? [host] : await this.addresses(host, prefs, failures);
      return this.finish(ips.map((ip) => ({ protocol, host: ip, port, serverName: host })), host, failures);
    }

    // §4.1: NAPTR, filtered to the services we support.
    if (!explicit) {
      const naptr = await this.query(() => this.dns.resolveNaptr(host), failures);
      const usable = naptr
        .filter((r) => r.flags.toLowerCase() === 's' && SERVICE[r.service.toUpperCase()] !== undefined)
        .filter((r) => supported.includes(SERVICE[r.service.toUpperCase()]!))
        .sort((a, b) => a.order - b.order || a.preference - b.preference);
      const fromNaptr: ResolvedTarget[] = [];
      for (const r of usable) {
        fromNaptr.push(...(await this.srvTargets(r.replacement, SERVICE[r.service.toUpperCase()]!, host, prefs, failures)));
      }
      if (fromNaptr.length > 0) return fromNaptr;
    }

    // §4.1: no NAPTR: SRV for each supported transport (or the explicit one).
    const fromSrv: ResolvedTarget[] = [];
    for (const protocol of explicit ? [explicit] : supported) {
      fromSrv.push(...(await this.srvTargets(SRV_PREFIX[protocol] + host, protocol, host, prefs, failures)));
    }
    if (fromSrv.length > 0) return fromSrv;

    // §4.2: no SRV: A/AAAA with the default port of the chosen transport.
    const protocol = explicit ?? (uri.secure ? 'tls' : 'udp');
    const ips = await this.addresses(host, prefs, failures);
    return this.finish(ips.map((ip) => ({ protocol, host: ip, port: DEFAULT_PORT[protocol], serverName: host })), host, failures);
  }

  private explicitProtocol(uri: ResolveInput): TransportProtocol | undefined {
    const t = uri.transport?.toLowerCase();
    if (t === undefined) return undefined;
    if (t === 'udp') return uri.secure ? 'tls' : 'udp';
    if (t === 'tcp') return uri.secure ? 'tls' : 'tcp';
    if (t === 'tls') return 'tls';
    throw new TransportError('transport.dns', `unsupported transport parameter "${uri.transport}"`);
  }

  private async srvTargets(
    name: string,
    protocol: TransportProtocol,
    domain: string,
    prefs: ResolvePreferences,
    failures: unknown[],
  ): Promise<ResolvedTarget[]> {
    const records = orderSrv(await this.query(() => this.dns.resolveSrv(name), failures), this.random);
    const out: ResolvedTarget[] = [];
    for (const r of records) {
      for (const ip of await this.addresses(r.name, prefs, failures)) {
        out.push({ protocol, host: ip, port: r.port, serverName: domain });
      }
    }
    return out;
  }

  private async addresses(name: string, prefs: ResolvePreferences, failures: unknown[]): Promise<string[]> {
    if (isIP(name) !== 0) return [name];
    const [v4, v6] = await Promise.all([
      this.query(() => this.dns.resolve4(name), failures),
      this.query(() => this.dns.resolve6(name), failures),
    ]);
    const both = prefs.preferIpv6 ? [...v6, ...v4] : [...v4, ...v6];
    if (both.length > 0 || !this.dns.lookup) return both;
    const viaHosts = await this.query(() => this.dns.lookup!(name), failures);
    return prefs.preferIpv6 ? [...viaHosts].sort((a, b) => isIP(b) - isIP(a)) : viaHosts;
  }

  /** A failed or empty query is "no records"; the failure is kept for the final error. */
  private async query<T>(fn: () => Promise<T[]>, failures: unknown[]): Promise<T[]> {
    try {
      return await fn();
    } catch (error) {
      failures.push(error);
      return [];
    }
  }

  private finish(targets: ResolvedTarget[], host: string, failures: unknown[]): ResolvedTarget[] {
    if (targets.length === 0) {
      const codes = failures.map((f) => (f as { code?: string }).code ?? String(f)).join(', ');
      throw new TransportError('transport.dns', `no address for ${host}${codes ? ` (${codes})` : ''}`, {
        cause: failures[0],
      });
    }
    return targets;
  }
}
