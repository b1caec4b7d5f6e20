import { describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors';
import { resolveAccount } from './account';

describe('resolveAccount', () => {
  it('registers to the AoR domain over UDP by default', () => {
    const a = resolveAccount({ id: 'a', aor: 'sip:alice@example.org' });
    expect(a.protocol).toBe('udp');
    expect(a.registrar.toString()).toBe('sip:example.org');
    expect(a.routes).toHaveLength(0);
    expect(a.authUser).toBe('alice');
  });

  it('routes through an outbound proxy as a loose route with its transport', () => {
    const a = resolveAccount({ id: 'a', aor: 'sip:alice@example.org', proxy: 'sip:127.0.0.1:35061;transport=tls' });
    expect(a.protocol).toBe('tls');
    expect(a.routes.map(String)).toEqual(['<sip:127.0.0.1:35061;transport=tls;lr>']);
    expect(a.nextHop.toString()).toBe('sip:127.0.0.1:35061;transport=tls;lr');
  });

  it('applies --transport to the registrar when there is no proxy, and accepts host:port proxies', () => {
    expect(resolveAccount({ id: 'a', aor: 'sip:alice@127.0.0.1:35060', transport: 'tcp' }).nextHop.toString()).toBe('sip:127.0.0.1:35060;transport=tcp');
    expect(resolveAccount({ id: 'a', aor: 'sip:alice@example.org', proxy: '127.0.0.1:5070', transport: 'tcp' }).nextHop.toString()).toBe('sip:127.0.0.1:5070;lr;transport=tcp');
  });

  it('forces TLS for sips: and refuses another transport for it', () => {
    expect(resolveAccount({ id: 'a', aor: 'sips:alice@example.org' }).protocol).toBe('tls');
    expect(() => resolveAccount({ id: 'a', aor: 'sips:alice@example.org', transport: 'udp' })).toThrow(/needs TLS/);
  });

  it('rejects bad input with a ValidationError that names the field', () => {
    expect(() => resolveAccount({ id: 'a', aor: 'alice@example.org' })).toThrow(ValidationError);
    expect(() => resolveAccount({ id: 'a', aor: 'sip:example.org' })).toThrow(/needs a user part/);
    expect(() => resolveAccount({ id: 'a', aor: 'tel:+15551234' })).toThrow(/sip: or sips:/);
    expect(() => resolveAccount({ id: 'a', aor: 'sip:alice@example.org', registerExpires: 0 })).toThrow(/interval/);
    expect(() => resolveAccount({ id: 'a', aor: 'sip:alice@example.org', transport: 'sctp' as never })).toThrow(/transport must be/);
  });
});
