import { DigestClient } from '../sip/auth/digest';
import type { SipRequest, SipResponse } from '../sip';
import type { Authenticator } from './request-sender';

/**
 * Answers 401/407 challenges for one account with its digest credentials (RFC 3261 §22.2,
 * RFC 8760): the Authorization or Proxy-Authorization fields are set on the retried request.
 */
export class DigestAuthenticator implements Authenticator {
  private readonly client: DigestClient | undefined;

  constructor(credentials: { username: string; password: string | undefined }) {
    this.client = credentials.password === undefined ? undefined : new DigestClient({ username: credentials.username, password: credentials.password });
  }

  authorize(request: SipRequest, challenge: SipResponse, attempt: number): boolean {
    if (!this.client) return false;
    // A new request starts afresh: only a repeat within one exchange means bad credentials.
    if (attempt === 1) this.client.reset();
    const headers = this.client.authorize(challenge, request.method, request.uri.toString(), request.body.length > 0 ? request.body : undefined);
    if (!headers || headers.length === 0) return false;
    for (const h of headers) request.append(h.name, h.value);
    return true;
  }
}
