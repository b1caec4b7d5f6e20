import { describe, expect, it } from 'vitest';
import { parseMessage } from '../parser';
import type { SipResponse } from '../message';
import { parseAuthHeader } from '../headers/auth';
import { DigestClient, chooseChallenges, digestResponse, hashedUsername, parseDigestChallenge, challengesOf } from './digest';

// RFC 7616 §3.9.1: GET /dir/index.html, Mufasa / "Circle of Life".
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: '00000001',
  method: 'GET',
  uri: '/dir/index.html',
  qop: 'auth' as const,
};

const challengeResponse = (headers: string[]): SipResponse =>
  parseMessage(
    [
      'SIP/2.0 401 Unauthorized',
      'Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1',
      'From: <sip:alice@example.com>;tag=1',
      'To: <sip:alice@example.com>;tag=2',
      'Call-ID: c1',
      'CSeq: 1 REGISTER',
      ...headers,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  ) as SipResponse;

describe('digestResponse (RFC 2617, RFC 7616)', () => {
  it('matches the RFC 7616 §3.9.1 MD5 example', () => {
    expect(digestResponse({ ...RFC7616, algorithm: 'MD5' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('matches the RFC 7616 §3.9.1 SHA-256 example', () => {
    expect(digestResponse({ ...RFC7616, algorithm: 'SHA-256' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('matches the RFC 2617 §3.5 example', () => {
    expect(
      digestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        password: 'Circle Of Life',
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        cnonce: '0a4f113b',
        nc: '00000001',
        qop: 'auth',
        method: 'GET',
        uri: '/dir/index.html',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('computes SHA-512-256 with node:crypto (64 hex digits) and differs per body under auth-int', () => {
    const base = { ...RFC7616, algorithm: 'SHA-512-256' as const, qop: 'auth-int' as const };
    const a = digestResponse({ ...base, body: 'v=0\r\n' });
    const b = digestResponse({ ...base, body: 'v=1\r\n' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  it('uses H(H(A1):nonce:cnonce) for -sess algorithms', () => {
    const plain = digestResponse({ ...RFC7616, algorithm: 'SHA-256' });
    const sess = digestResponse({ ...RFC7616, algorithm: 'SHA-256-sess' });
    expect(sess).toMatch(/^[0-9a-f]{64}$/);
    expect(sess).not.toBe(plain);
  });

  it('hashes the username for userhash (RFC 7616 §3.4.4)', () => {
    // RFC 7616 §3.9.2 example: username "Jäsøn Doe" is out of scope; check the formula shape.
    expect(hashedUsername('SHA-256', 'Mufasa', 'http-auth@example.org')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('challenges', () => {
  it('parses algorithm, qop options, opaque and stale', () => {
    const c = parseDigestChallenge(
      'Digest realm="example.com", qop="auth,auth-int", algorithm=SHA-256, nonce="n1", opaque="o1", stale=TRUE',
    );
    expect(c).toMatchObject({ realm: 'example.com', nonce: 'n1', opaque: 'o1', algorithm: 'SHA-256', qop: ['auth', 'auth-int'], stale: true });
  });

  it('ignores unknown algorithms and other schemes', () => {
    expect(parseDigestChallenge('Digest realm="r", nonce="n", algorithm=SHA3-256')).toBeUndefined();
    expect(parseDigestChallenge('Basic realm="r"')).toBeUndefined();
  });

  it('prefers SHA-512-256 over SHA-256 over MD5 for one realm, keeps one per realm', () => {
    const res = challengeResponse([
      'WWW-Authenticate: Digest realm="a", nonce="1", algorithm=MD5',
      'WWW-Authenticate: Digest realm="a", nonce="2", algorithm=SHA-512-256',
      'WWW-Authenticate: Digest realm="a", nonce="3", algorithm=SHA-256',
      'WWW-Authenticate: Digest realm="b", nonce="4"',
    ]);
    const chosen = chooseChallenges(challengesOf(res));
    expect(chosen.map((c) => [c.realm, c.algorithm])).toEqual([['a', 'SHA-512-256'], ['b', 'MD5']]);
  });
});

describe('DigestClient', () => {
  const fixedCnonce = () => 'cn0nce';

  it('answers a 401 with Authorization carrying a verifiable response', () => {
    const client = new DigestClient({ username: 'alice', password: 'secret' }, fixedCnonce);
    const res = challengeResponse(['WWW-Authenticate: Digest realm="example.com", nonce="abc", qop="auth", opaque="op"']);
    const headers = client.authorize(res, 'REGISTER', 'sip:example.com');
    expect(headers).toHaveLength(1);
    expect(headers![0]!.name).toBe('Authorization');
    const p = parseAuthHeader(headers![0]!.value).params;
    expect(p.get('nc')).toBe('00000001');
    expect(p.get('opaque')).toBe('op');
    expect(p.get('response')).toBe(
      digestResponse({ algorithm: 'MD5', username: 'alice', password: 'secret', realm: 'example.com', nonce: 'abc', method: 'REGISTER', uri: 'sip:example.com', qop: 'auth', nc: '00000001', cnonce: 'cn0nce' }),
    );
  });

  it('answers 407 with Proxy-Authorization', () => {
    const client = new DigestClient({ username: 'alice', password: 'secret' });
    const res = challengeResponse(['Proxy-Authenticate: Digest realm="proxy", nonce="x"']);
    expect(client.authorize(res, 'INVITE', 'sip:bob@example.com')![0]!.name).toBe('Proxy-Authorization');
  });

  it('counts nc per nonce on later requests', () => {
    const client = new DigestClient({ username: 'alice', password: 'secret' }, fixedCnonce);
    client.authorize(challengeResponse(['WWW-Authenticate: Digest realm="r", nonce="n", qop="auth"']), 'REGISTER', 'sip:r');
    const second = client.credentialsFor('REGISTER', 'sip:r');
    expect(parseAuthHeader(second[0]!.value).params.get('nc')).toBe('00000002');
  });

  it('gives up when the same nonce is challenged again without stale (wrong password)', () => {
    const client = new DigestClient({ username: 'alice', password: 'wrong' });
    const res = challengeResponse(['WWW-Authenticate: Digest realm="r", nonce="n", qop="auth"']);
    expect(client.authorize(res, 'REGISTER', 'sip:r')).toBeDefined();
    expect(client.authorize(res, 'REGISTER', 'sip:r')).toBeUndefined();
  });

  it('retries with the same password on stale=true and restarts nc at 1', () => {
    const client = new DigestClient({ username: 'alice', password: 'secret' });
    client.authorize(challengeResponse(['WWW-Authenticate: Digest realm="r", nonce="n1", qop="auth"']), 'REGISTER', 'sip:r');
    client.credentialsFor('REGISTER', 'sip:r');
    const again = client.authorize(
      challengeResponse(['WWW-Authenticate: Digest realm="r", nonce="n2", qop="auth", stale=true']),
      'REGISTER',
      'sip:r',
    );
    const p = parseAuthHeader(again![0]!.value).params;
    expect(p.get('nonce')).toBe('n2');
    expect(p.get('nc')).toBe('00000001');
  });

  it('answers only the configured realm', () => {
    const client = new DigestClient({ username: 'alice', password: 'secret', realm: 'mine' });
    expect(client.authorize(challengeResponse(['WWW-Authenticate: Digest realm="other", nonce="n"']), 'REGISTER', 'sip:r')).toBeUndefined();
  });

  it('sends a hashed username when the server asks for userhash', () => {
    const client = new DigestClient({ username: 'alice', password: 'secret' });
    const h = client.authorize(challengeResponse(['WWW-Authenticate: Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256, userhash=true']), 'REGISTER', 'sip:r');
    const p = parseAuthHeader(h![0]!.value).params;
    expect(p.get('username')).toBe(hashedUsername('SHA-256', 'alice', 'r'));
    expect(p.get('userhash')).toBe('true');
  });
});
