/**
 * Client digest authentication for SIP: RFC 2617 (as used by RFC 3261 §22.4), RFC 7616 (SHA-256,
 * SHA-512-256, -sess, userhash) and RFC 8760 (SIP's use of the new algorithms). Pure functions
 * compute responses; `DigestClient` keeps per-realm state (nonce, nc) to answer 401/407.
 */
import { createHash } from 'node:crypto';
import { SipParseError } from '../../base/errors';
import { randomToken } from '../../base/random-ids';
import { formatAuthHeader, parseAuthHeader } from '../headers/auth';
import type { SipResponse } from '../message';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';
export type DigestQop = 'auth' | 'auth-int';

const HASH: Record<string, string> = { 'MD5': 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };
/** RFC 8760 §2.4: prefer SHA-512-256, then SHA-256, then MD5. */
const STRENGTH: Record<string, number> = { 'MD5': 1, 'SHA-256': 2, 'SHA-512-256': 3 };

export interface DigestChallenge {
  /** 'Authorization' answers WWW-Authenticate (401); 'Proxy-Authorization' answers 407. */
  readonly header: 'Authorization' | 'Proxy-Authorization';
  readonly realm: string;
  readonly nonce: string;
  readonly opaque: string | undefined;
  readonly algorithm: DigestAlgorithm;
  /** qop options offered; empty for RFC 2069-style challenges. */
  readonly qop: readonly DigestQop[];
  readonly stale: boolean;
  readonly userhash: boolean;
}

/** Normalises an algorithm name; undefined when unsupported. Absent means MD5 (RFC 2617 §3.2.1). */
export function digestAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined) return 'MD5';
  const u = name.toUpperCase();
  const sess = u.endsWith('-SESS');
  const base = sess ? u.slice(0, -5) : u;
  if (HASH[base] === undefined) return undefined;
  return (sess ? `${base}-sess` : base) as DigestAlgorithm;
}

/** Parses a WWW-Authenticate/Proxy-Authenticate value; undefined when not a usable Digest challenge. */
export function parseDigestChallenge(value: string, header: DigestChallenge['header'] = 'Authorization'): DigestChallenge | undefined {
  const { scheme, params } = parseAuthHeader(value);
  if (scheme.toLowerCase() !== 'digest') return undefined;
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) throw new SipParseError('digest challenge without realm or nonce', 0);
  const algorithm = digestAlgorithm(params.get('algorithm'));
  if (algorithm === undefined) return undefined;
  const qop = (params.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q): q is DigestQop => q === 'auth' || q === 'auth-int');
  return {
    header,
    realm,
    nonce,
    opaque: params.get('opaque'),
    algorithm,
    qop,
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
    userhash: (params.get('userhash') ?? '').toLowerCase() === 'true',
  };
}

/** The challenges of a 401/407 response, unusable ones (other schemes, algorithms) dropped. */
export function challengesOf(response: SipResponse): DigestChallenge[] {
  const out: DigestChallenge[] = [];
  for (const [name, header] of [['WWW-Authenticate', 'Authorization'], ['Proxy-Authenticate', 'Proxy-Authorization']] as const) {
    for (const v of response.getAll(name)) {
      try {
        const c = parseDigestChallenge(v, header);
        if (c !== undefined) out.push(c);
      } catch (e) {
        if (!(e instanceof SipParseError)) throw e;
      }
    }
  }
  return out;
}

/** Per realm (and header), the strongest challenge (RFC 8760 §2.4: SHA-512-256 > SHA-256 > MD5). */
export function chooseChallenges(challenges: readonly DigestChallenge[]): DigestChallenge[] {
  const best = new Map<string, DigestChallenge>();
  for (const c of challenges) {
    const key = c.header + '\0' + c.realm;
    const prev = best.get(key);
    if (prev === undefined || strength(c) > strength(prev)) best.set(key, c);
  }
  return [...best.values()];
}

function strength(c: DigestChallenge): number {
  return STRENGTH[c.algorithm.replace(/-sess$/, '')] ?? 0;
}

function h(algorithm: DigestAlgorithm, data: string | Buffer): string {
  return createHash(HASH[algorithm.replace(/-sess$/, '')]!).update(data).digest('hex');
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly password: string;
  readonly realm: string;
  readonly nonce: string;
  readonly method: string;
  readonly uri: string;
  /** Omit for RFC 2069 compatibility (no qop offered). */
  readonly qop?: DigestQop;
  readonly cnonce?: string;
  /** Nonce count as 8 hex digits, e.g. "00000001". */
  readonly nc?: string;
  /** The body, for qop=auth-int. */
  readonly body?: Buffer | string;
}

/** The `response` value (RFC 7616 §3.4.1–3.4.3, RFC 2617 §3.2.2). */
export function digestResponse(i: DigestInput): string {
  const alg = i.algorithm;
  let ha1 = h(alg, `${i.username}:${i.realm}:${i.password}`);
  if (alg.endsWith('-sess')) ha1 = h(alg, `${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const a2 = i.qop === 'auth-int' ? `${i.method}:${i.uri}:${h(alg, i.body ?? '')}` : `${i.method}:${i.uri}`;
  const ha2 = h(alg, a2);
  if (i.qop === undefined) return h(alg, `${ha1}:${i.nonce}:${ha2}`);
  return h(alg, `${ha1}:${i.nonce}:${i.nc ?? '00000001'}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}

/** RFC 7616 §3.4.4: username hashed with the realm when the server asks for userhash. */
export function hashedUsername(algorithm: DigestAlgorithm, username: string, realm: string): string {
  return h(algorithm, `${username}:${realm}`);
}

export interface DigestCredentials {
  readonly username: string;
  readonly password: string;
  /** Answer only this realm; any realm when unset. */
  readonly realm?: string;
}

export interface AuthHeader {
  readonly name: 'Authorization' | 'Proxy-Authorization';
  readonly value: string;
}

interface RealmState {
  challenge: DigestChallenge;
  nc: number;
  /** The nonce we last answered; the same nonce challenged again means bad credentials. */
  answeredNonce: string | undefined;
}

/**
 * Answers digest challenges for one set of credentials. `authorize` turns a 401/407 into the
 * header fields for the retried request, or undefined when retrying cannot help (no usable
 * challenge, wrong realm, or the server re-challenged the nonce we answered without stale=true).
 * `credentialsFor` signs a later request with the cached nonce (nc incremented, RFC 7616 §3.4).
 */
export class DigestClient {
  private readonly realms = new Map<string, RealmState>();

  constructor(
    private readonly credentials: DigestCredentials,
    private readonly newCnonce: () => string = () => randomToken(16),
    private readonly preferAuthInt = false,
  ) {}

  authorize(response: SipResponse, method: string, uri: string, body?: Buffer): AuthHeader[] | undefined {
    const chosen = chooseChallenges(challengesOf(response)).filter(
      (c) => this.credentials.realm === undefined || c.realm === this.credentials.realm,
    );
    if (chosen.length === 0) return undefined;
    for (const c of chosen) {
      const key = c.header + '\0' + c.realm;
      const prev = this.realms.get(key);
      if (prev !== undefined && prev.answeredNonce === c.nonce && !c.stale) return undefined;
      // stale=true (RFC 7616 §3.3): the nonce expired, the credentials were fine; retry with the
      // new nonce and the same password, counting from 1 again.
      this.realms.set(key, { challenge: c, nc: 0, answeredNonce: undefined });
    }
    return this.credentialsFor(method, uri, body);
  }

  /** Authorization headers for a request from the cached challenges (empty when none). */
  credentialsFor(method: string, uri: string, body?: Buffer): AuthHeader[] {
    const out: AuthHeader[] = [];
    for (const state of this.realms.values()) {
      const c = state.challenge;
      state.nc++;
      state.answeredNonce = c.nonce;
      const qop: DigestQop | undefined =
        c.qop.length === 0 ? undefined : this.preferAuthInt && c.qop.includes('auth-int') ? 'auth-int' : c.qop.includes('auth') ? 'auth' : 'auth-int';
      const cnonce = qop !== undefined || c.algorithm.endsWith('-sess') ? this.newCnonce() : undefined;
      const nc = state.nc.toString(16).padStart(8, '0');
      const response = digestResponse({
        algorithm: c.algorithm,
        username: this.credentials.username,
        password: this.credentials.password,
        realm: c.realm,
        nonce: c.nonce,
        method,
        uri,
        ...(qop !== undefined ? { qop, nc } : {}),
        ...(cnonce !== undefined ? { cnonce } : {}),
        ...(body !== undefined ? { body } : {}),
      });
      const params: [string, string][] = [
        ['username', c.userhash ? hashedUsername(c.algorithm, this.credentials.username, c.realm) : this.credentials.username],
        ['realm', c.realm],
        ['nonce', c.nonce],
        ['uri', uri],
        ['response', response],
        ['algorithm', c.algorithm],
      ];
      if (cnonce !== undefined) params.push(['cnonce', cnonce]);
      if (c.opaque !== undefined) params.push(['opaque', c.opaque]);
      if (qop !== undefined) params.push(['qop', qop], ['nc', nc]);
      if (c.userhash) params.push(['userhash', 'true']);
      out.push({ name: c.header, value: formatAuthHeader('Digest', params) });
    }
    return out;
  }

  /** Forgets cached challenges (e.g. after the account's password changed). */
  reset(): void {
    this.realms.clear();
  }
}
