import { describe, expect, it } from 'vitest';
import { TransportError } from '../base/errors';
import { SipResolver, orderSrv, type DnsFunctions, type NaptrRecord, type SrvRecord } from './resolver';

interface Table {
  naptr?: Record<string, NaptrRecord[]>;
  srv?: Record<string, SrvRecord[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
  hosts?: Record<string, string[]>;
  fail?: Record<string, string>;
}

/** A DNS table; names not in it fail with ENOTFOUND like the real resolver. */
function fakeDns(t: Table): DnsFunctions & { queries: string[] } {
  const queries: string[] = [];
  const get = <T>(kind: string, map: Record<string, T[]> | undefined, name: string): Promise<T[]> => {
    queries.push(`${kind} ${name}`);
    const failCode = t.fail?.[`${kind} ${name}`];
    if (failCode) return Promise.reject(Object.assign(new Error(failCode), { code: failCode }));
    const v = map?.[name];
    return v ? Promise.resolve(v) : Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
  };
  return {
    queries,
    resolveNaptr: (n) => get('NAPTR', t.naptr, n),
    resolveSrv: (n) => get('SRV', t.srv, n),
    resolve4: (n) => get('A', t.a, n),
    resolve6: (n) => get('AAAA', t.aaaa, n),
    ...(t.hosts ? { lookup: (n: string) => get('HOSTS', t.hosts, n) } : {}),
  };
}

const naptr = (service: string, replacement: string, order: number, preference = 50): NaptrRecord => ({
  flags: 's',
  service,
  regexp: '',
  replacement,
  order,
  preference,
});
const srv = (name: string, port: number, priority = 10, weight = 0): SrvRecord => ({ name, port, priority, weight });

describe('SipResolver (RFC 3263 §4)', () => {
  it('uses a numeric IP directly with UDP and port 5060, querying nothing', async () => {
    const dns = fakeDns({});
    const targets = await new SipResolver(dns).resolve({ secure: false, host: '192.0.2.4' });
    expect(targets).toEqual([{ protocol: 'udp', host: '192.0.2.4', port: 5060, serverName: '192.0.2.4' }]);
    expect(dns.queries).toEqual([]);
  });

  it('uses a bracketed IPv6 literal directly, with TLS on 5061 for sips', async () => {
    const targets = await new SipResolver(fakeDns({})).resolve({ secure: true, host: '[::1]' });
    expect(targets).toEqual([{ protocol: 'tls', host: '::1', port: 5061, serverName: '::1' }]);
  });

  it('honours the transport parameter on a numeric IP', async () => {
    const targets = await new SipResolver(fakeDns({})).resolve({ secure: false, host: '192.0.2.4', port: 5070, transport: 'TCP' });
    expect(targets).toEqual([{ protocol: 'tcp', host: '192.0.2.4', port: 5070, serverName: '192.0.2.4' }]);
  });

  it('looks up only A/AAAA when the port is explicit', async () => {
    const dns = fakeDns({ a: { 'example.com': ['192.0.2.1'] }, aaaa: { 'example.com': ['2001:db8::1'] } });
    const targets = await new SipResolver(dns).resolve({ secure: false, host: 'example.com', port: 5080 });
    expect(targets.map((t) => `${t.protocol} ${t.host} ${t.port}`)).toEqual(['udp 192.0.2.1 5080', 'udp 2001:db8::1 5080']);
    expect(dns.queries.sort()).toEqual(['A example.com', 'AAAA example.com']);
  });

  it('puts IPv6 first when preferred', async () => {
    const dns = fakeDns({ a: { 'example.com': ['192.0.2.1'] }, aaaa: { 'example.com': ['2001:db8::1'] } });
    const targets = await new SipResolver(dns).resolve({ secure: false, host: 'example.com', port: 5080 }, { preferIpv6: true });
    expect(targets.map((t) => t.host)).toEqual(['2001:db8::1', '192.0.2.1']);
  });

  it('follows NAPTR in order/preference, then SRV, then A records', async () => {
    const dns = fakeDns({
      naptr: {
        'example.com': [
          naptr('SIP+D2U', '_sip._udp.example.com', 20),
          naptr('SIPS+D2T', '_sips._tcp.example.com', 10, 10),
          naptr('SIP+D2T', '_sip._tcp.example.com', 10, 20),
          naptr('SIP+D2W', '_sip._ws.example.com', 1),
        ],
      },
      srv: {
        '_sips._tcp.example.com': [srv('tls.example.com', 5061)],
        '_sip._tcp.example.com': [srv('tcp.example.com', 5060)],
        '_sip._udp.example.com': [srv('udp.example.com', 5062)],
      },
      a: { 'tls.example.com': ['192.0.2.10'], 'tcp.example.com': ['192.0.2.11'], 'udp.example.com': ['192.0.2.12'] },
    });
    const targets = await new SipResolver(dns).resolve({ secure: false, host: 'example.com' });
    expect(targets).toEqual([
      { protocol: 'tls', host: '192.0.2.10', port: 5061, serverName: 'example.com' },
      { protocol: 'tcp', host: '192.0.2.11', port: 5060, serverName: 'example.com' },
      { protocol: 'udp', host: '192.0.2.12', port: 5062, serverName: 'example.com' },
    ]);
  });

  it('skips NAPTR services the UA does not support, and all but SIPS+D2T for a sips URI', async () => {
    const table: Table = {
      naptr: { 'example.com': [naptr('SIP+D2U', '_sip._udp.example.com', 10), naptr('SIPS+D2T', '_sips._tcp.example.com', 20)] },
      srv: { '_sip._udp.example.com': [srv('u.example.com', 5060)], '_sips._tcp.example.com': [srv('t.example.com', 5061)] },
      a: { 'u.example.com': ['192.0.2.1'], 't.example.com': ['192.0.2.2'] },
    };
    const sips = await new SipResolver(fakeDns(table)).resolve({ secure: true, host: 'example.com' });
    expect(sips.map((t) => t.protocol)).toEqual(['tls']);
    const tcpOnly = await new SipResolver(fakeDns(table)).resolve({ secure: false, host: 'example.com' }, { supported: ['tls'] });
    expect(tcpOnly.map((t) => t.host)).toEqual(['192.0.2.2']);
  });

  it('queries SRV for each supported transport when there is no NAPTR', async () => {
    const dns = fakeDns({
      srv: { '_sip._tcp.example.com': [srv('b.example.com', 5090, 20), srv('a.example.com', 5080, 10)] },
      a: { 'a.example.com': ['192.0.2.1'], 'b.example.com': ['192.0.2.2'] },
    });
    const targets = await new SipResolver(dns).resolve({ secure: false, host: 'example.com' });
    expect(targets.map((t) => `${t.protocol} ${t.host}:${t.port}`)).toEqual(['tcp 192.0.2.1:5080', 'tcp 192.0.2.2:5090']);
    expect(dns.queries).toContain('SRV _sip._udp.example.com');
    expect(dns.queries).toContain('SRV _sips._tcp.example.com');
  });

  it('queries only the SRV of the transport parameter', async () => {
    const dns = fakeDns({ srv: { '_sip._tcp.example.com': [srv('a.example.com', 5080)] }, a: { 'a.example.com': ['192.0.2.1'] } });
    const targets = await new SipResolver(dns).resolve({ secure: false, host: 'example.com', transport: 'tcp' });
    expect(targets.map((t) => t.protocol)).toEqual(['tcp']);
    expect(dns.queries.filter((q) => q.startsWith('NAPTR') || q.startsWith('SRV'))).toEqual(['SRV _sip._tcp.example.com']);
  });

  it('falls back to A/AAAA with 5060 (sip) and 5061 (sips) when there is no SRV', async () => {
    const dns = () => fakeDns({ a: { 'example.com': ['192.0.2.7'] } });
    expect(await new SipResolver(dns()).resolve({ secure: false, host: 'example.com' })).toEqual([
      { protocol: 'udp', host: '192.0.2.7', port: 5060, serverName: 'example.com' },
    ]);
    expect(await new SipResolver(dns()).resolve({ secure: true, host: 'example.com' })).toEqual([
      { protocol: 'tls', host: '192.0.2.7', port: 5061, serverName: 'example.com' },
    ]);
  });

  it('uses the hosts-file lookup when the DNS has no A or AAAA', async () => {
    const dns = fakeDns({ hosts: { localhost: ['127.0.0.1'] } });
    const targets = await new SipResolver(dns).resolve({ secure: false, host: 'localhost', port: 5070 });
    expect(targets).toEqual([{ protocol: 'udp', host: '127.0.0.1', port: 5070, serverName: 'localhost' }]);
  });

  it('resolves maddr instead of the host', async () => {
    const targets = await new SipResolver(fakeDns({})).resolve({ secure: false, host: 'example.com', maddr: '192.0.2.9' });
    expect(targets[0]?.host).toBe('192.0.2.9');
  });

  it('skips an SRV target of "." (service not available) and a target without address', async () => {
    const dns = fakeDns({
      srv: { '_sip._udp.example.com': [srv('.', 0, 1), srv('gone.example.com', 5060, 2), srv('ok.example.com', 5066, 3)] },
      a: { 'ok.example.com': ['192.0.2.3'] },
    });
    const targets = await new SipResolver(dns).resolve({ secure: false, host: 'example.com' }, { supported: ['udp'] });
    expect(targets.map((t) => t.port)).toEqual([5066]);
  });

  it('rejects with transport.dns when nothing resolves, keeping the DNS error codes', async () => {
    const dns = fakeDns({ fail: { 'A nowhere.invalid': 'ESERVFAIL' } });
    const p = new SipResolver(dns).resolve({ secure: false, host: 'nowhere.invalid' });
    await expect(p).rejects.toBeInstanceOf(TransportError);
    await expect(p).rejects.toMatchObject({ code: 'transport.dns', message: expect.stringContaining('ESERVFAIL') });
  });

  it('rejects with transport.dns for an explicit port whose host does not resolve', async () => {
    await expect(new SipResolver(fakeDns({})).resolve({ secure: false, host: 'x.invalid', port: 1 })).rejects.toMatchObject({
      code: 'transport.dns',
    });
  });

  it('rejects an unknown or unsupported transport parameter', async () => {
    await expect(new SipResolver(fakeDns({})).resolve({ secure: false, host: '192.0.2.1', transport: 'sctp' })).rejects.toMatchObject({
      code: 'transport.dns',
    });
    await expect(
      new SipResolver(fakeDns({})).resolve({ secure: false, host: '192.0.2.1', transport: 'tcp' }, { supported: ['udp'] }),
    ).rejects.toMatchObject({ code: 'transport.dns' });
  });
});

describe('orderSrv (RFC 2782)', () => {
  it('orders by priority, drawing by weight inside a priority', () => {
    const records = [srv('c', 1, 20, 0), srv('a', 1, 10, 10), srv('b', 1, 10, 90)];
    // random 0.5 → pick = floor(0.5 * 101) = 50: running sums 10 (a), 100 (b) → b first.
    expect(orderSrv(records, () => 0.5).map((r) => r.name)).toEqual(['b', 'a', 'c']);
    // random 0 → pick 0 → the first record whose running sum ≥ 0: a.
    expect(orderSrv(records, () => 0).map((r) => r.name)).toEqual(['a', 'b', 'c']);
  });

  it('places weight-0 records first so they can be picked on a draw of 0', () => {
    const records = [srv('heavy', 1, 10, 5), srv('zero', 1, 10, 0)];
    expect(orderSrv(records, () => 0).map((r) => r.name)).toEqual(['zero', 'heavy']);
    expect(orderSrv(records, () => 0.99).map((r) => r.name)).toEqual(['heavy', 'zero']);
  });

  it('picks heavier records first more often over many draws', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    let heavyFirst = 0;
    for (let i = 0; i < 1000; i++) {
      if (orderSrv([srv('light', 1, 1, 10), srv('heavy', 1, 1, 90)], rnd)[0]?.name === 'heavy') heavyFirst++;
    }
    expect(heavyFirst).toBeGreaterThan(800);
    expect(heavyFirst).toBeLessThan(970);
  });
});
