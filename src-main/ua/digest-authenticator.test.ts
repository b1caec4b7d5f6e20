import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, NameAddr, parseUri } from '../sip';
import { DigestAuthenticator } from './digest-authenticator';

function register(cseq: number) {
  return createRequest({
    method: 'REGISTER',
    uri: 'sip:example.org',
    from: NameAddr.create(parseUri('sip:alice@example.org')),
    to: NameAddr.create(parseUri('sip:alice@example.org')),
    callId: 'c1',
    cseq,
  });
}
function challenge(req: ReturnType<typeof register>, nonce: string) {
  const res = createResponse(req, 401);
  res.set('WWW-Authenticate', `Digest realm="example.org", nonce="${nonce}", qop="auth", algorithm=MD5`);
  return res;
}

describe('DigestAuthenticator', () => {
  it('answers a challenge with an Authorization for the request', () => {
    const auth = new DigestAuthenticator({ username: 'alice', password: 'pw' });
    const req = register(2);
    expect(auth.authorize(req, challenge(register(1), 'n1'), 1)).toBe(true);
    expect(req.get('Authorization')).toMatch(/^Digest username="alice", realm="example.org", nonce="n1", uri="sip:example.org"/);
  });

  it('refuses when the retry is challenged again with the same nonce (wrong password)', () => {
    const auth = new DigestAuthenticator({ username: 'alice', password: 'wrong' });
    expect(auth.authorize(register(2), challenge(register(1), 'n1'), 1)).toBe(true);
    expect(auth.authorize(register(3), challenge(register(2), 'n1'), 2)).toBe(false);
  });

  it('answers the same nonce again for a new request', () => {
    const auth = new DigestAuthenticator({ username: 'alice', password: 'pw' });
    expect(auth.authorize(register(2), challenge(register(1), 'n1'), 1)).toBe(true);
    expect(auth.authorize(register(4), challenge(register(3), 'n1'), 1)).toBe(true);
  });

  it('cannot answer without a password', () => {
    expect(new DigestAuthenticator({ username: 'alice', password: undefined }).authorize(register(2), challenge(register(1), 'n1'), 1)).toBe(false);
  });
});
