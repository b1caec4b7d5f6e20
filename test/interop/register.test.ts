/**
 * Registration against a real registrar (issue 3 "Done when"): the CLI registers to Kamailio
 * over UDP, TCP and TLS with digest auth, says clearly why when it cannot, and an engine whose
 * registrar restarts is registered again within 10 s.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UserAgent } from '../../src-main/ua/user-agent';
import type { RegistrationView } from '../../src-main/shared/model/registration';
import { startKamailio, type KamailioFixture } from './support/kamailio';
import { pollUntil } from './support/managed-process';
import { runCli, startCli } from './support/parley-cli';
import { interopDescribe } from './support/peers';

const d = interopDescribe(['kamailio', 'openssl']);

d('parley register against Kamailio', () => {
  let kamailio: KamailioFixture;
  beforeAll(async () => {
    kamailio = await startKamailio();
  });
  afterAll(async () => {
    await kamailio?.dispose();
  });

  const account = (user: 'alice' | 'bob' | 'carol' | 'dave', transport: 'udp' | 'tcp' | 'tls', password?: string) => [
    '--account', kamailio.aor(user),
    '--password', password ?? kamailio.users[user],
    '--proxy', kamailio.proxyUri(transport),
    '--ca', kamailio.caPath,
    '--listen', '127.0.0.1:0',
  ];

  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    it(`registers over ${transport.toUpperCase()} with digest auth, is listed by the registrar, and unregisters on exit`, async () => {
      const user = transport === 'udp' ? 'alice' : transport === 'tcp' ? 'bob' : 'carol';
      const cli = startCli(['register', '--duration', '4', '--json', ...account(user, transport)]);
      await pollUntil('the CLI to register', 15_000, () => (cli.stdout().includes('"event":"registered"') ? true : undefined), 100);
      const contacts = await kamailio.contactsOf(user);
      expect(contacts.some((c) => c.includes(`sip:${user}@127.0.0.1`) && (transport === 'udp' || c.includes(`transport=${transport}`)))).toBe(true);
      const run = await cli.result;
      expect(run.code, run.stderr).toBe(0);
      const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; state?: string });
      expect(events.filter((e) => e.event === 'registration.updated').map((e) => e.state)).toEqual(['registering', 'registered', 'unregistering', 'unregistered']);
      expect(await kamailio.contactsOf(user)).toEqual([]);
    });

    it(`exits 2 saying the password is wrong over ${transport.toUpperCase()}`, async () => {
      const run = await runCli(['register', '--duration', '0', ...account('dave', transport, 'not-the-password')]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^parley: registration refused: wrong user name or password \(40[13] /)]);
    });
  }

  it('exits 2 saying the TLS certificate was refused when the CA is not trusted', async () => {
    const args = account('alice', 'tls').filter((a, i, all) => a !== '--ca' && all[i - 1] !== '--ca');
    const run = await runCli(['register', '--duration', '0', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^parley: TLS connection to sip:127\.0\.0\.1:\d+;transport=tls;lr failed: certificate refused/);
  });

  it('prints the OPTIONS answer of the proxy, authenticating when challenged', async () => {
    const run = await runCli(['options', `sip:127.0.0.1:${kamailio.port}`, ...account('alice', 'udp')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^200 [^\n]+ from sip:127\.0\.0\.1:\d+ in \d+ ms\n  Server: kamailio/);
  });

  it('keeps two accounts registered at once over different transports and removes both on shutdown', async () => {
    const ua = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 }, tls: { caFile: kamailio.caPath } });
    try {
      ua.addAccount({ id: 'alice', aor: kamailio.aor('alice'), password: kamailio.users.alice, proxy: kamailio.proxyUri('udp') });
      ua.addAccount({ id: 'dave', aor: kamailio.aor('dave'), password: kamailio.users.dave, proxy: kamailio.proxyUri('tls') });
      ua.register('alice');
      ua.register('dave');
      await pollUntil('both accounts to register', 10_000, () =>
        ua.registration('alice').state === 'registered' && ua.registration('dave').state === 'registered' ? true : undefined,
      );
      expect(await kamailio.contactsOf('alice')).toHaveLength(1);
      expect((await kamailio.contactsOf('dave'))[0]).toMatch(/transport=tls/);
    } finally {
      await ua.shutdown(3000);
    }
    expect(await kamailio.contactsOf('alice')).toEqual([]);
    expect(await kamailio.contactsOf('dave')).toEqual([]);
  });

  it('registers again within 10 s after Kamailio restarts (TCP connection lost)', async () => {
    const ua = await UserAgent.create({ listen: { host: '127.0.0.1', port: 0 } });
    try {
      const states: RegistrationView[] = [];
      ua.on('registration.updated', (v) => states.push(v));
      ua.addAccount({ id: 'a', aor: kamailio.aor('alice'), password: kamailio.users.alice, proxy: kamailio.proxyUri('tcp') });
      ua.register('a');
      await pollUntil('alice to register', 10_000, () => (ua.registration('a').state === 'registered' ? true : undefined));
      states.length = 0;
      const restarted = Date.now();
      await kamailio.restart();
      await pollUntil('alice to be registered again', 10_000, async () => ((await kamailio.contactsOf('alice')).some((c) => c.includes('transport=tcp')) ? true : undefined), 200);
      expect(Date.now() - restarted).toBeLessThan(10_000);
      expect(ua.registration('a').state).toBe('registered');
      expect(states.map((s) => s.state)).toContain('refreshing');
    } finally {
      await ua.shutdown(2000);
    }
  });
});
