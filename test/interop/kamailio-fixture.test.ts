/**
 * The Kamailio fixture does what later tests rely on: digest-authenticated REGISTER, MESSAGE
 * relay to a user registered over TCP (on that user's own connection), presence PUBLISH →
 * SUBSCRIBE/NOTIFY (NOTIFY back on the subscriber's TCP connection), and a restart on the same
 * ports that forgets registrations. SIPp plays the client; baresip the registered recipient.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBaresip, type BaresipFixture } from './support/baresip';
import { startKamailio, type KamailioFixture } from './support/kamailio';
import { interopDescribe } from './support/peers';
import { parseSippTrace, runSipp } from './support/sipp';

const d = interopDescribe(['kamailio', 'baresip', 'sipp', 'sox', 'openssl']);

d('test bed: Kamailio registrar, proxy and presence server', () => {
  let kamailio: KamailioFixture;
  let bob: BaresipFixture;

  beforeAll(async () => {
    kamailio = await startKamailio();
    bob = await startBaresip({ kamailio, user: 'bob', transport: 'tcp' });
  });
  afterAll(async () => {
    await bob?.dispose();
    await kamailio?.dispose();
  });

  const creds = (user: keyof KamailioFixture['users']): string[] => ['-au', user, '-ap', kamailio.users[user]];

  it('registers a UDP client after a digest challenge and lists its contact', async () => {
    const r = await runSipp({ scenario: 'uac-register-auth', remote: `127.0.0.1:${kamailio.port}`, args: ['-s', 'alice', ...creds('alice')] });
    expect(r.exitCode, r.errors).toBe(0);
    const contacts = await kamailio.contactsOf('alice');
    expect(contacts.some((c) => c.startsWith('sip:alice@127.0.0.1:'))).toBe(true);
  });

  it('refuses a REGISTER with the wrong password (the scenario gets no 200)', async () => {
    const r = await runSipp({ scenario: 'uac-register-auth', remote: `127.0.0.1:${kamailio.port}`, timeoutMs: 5000,
      args: ['-s', 'carol', '-au', 'carol', '-ap', 'wrong-password'] });
    expect(r.exitCode).not.toBe(0);
    expect(await kamailio.contactsOf('carol')).toEqual([]);
  });

  it('relays an authenticated MESSAGE to bob, registered over TCP, on his connection', async () => {
    const r = await runSipp({ scenario: 'uac-message-auth', remote: `127.0.0.1:${kamailio.port}`,
      args: ['-s', 'bob', '-key', 'from', 'alice', '-key', 'text', 'hello-bob-from-sipp', ...creds('alice')] });
    expect(r.exitCode, r.errors).toBe(0);
    const ok = parseSippTrace(r.messages).find((m) => m.direction === 'received' && m.firstLine === 'SIP/2.0 200 OK');
    expect(ok?.text).toMatch(/^Server: baresip/m);
    // bob also listens on his own port; the relay must reuse his registration connection instead.
    const connections = await kamailio.kamcmd('core.tcp_list');
    expect(connections.match(/\bid: /g)).toHaveLength(1);
    expect(connections).not.toMatch(new RegExp(`_port: ${bob.sipPort}\\b`));
  });

  it('notifies a TCP subscriber of a published presence document', async () => {
    const note = `parley-note-${Date.now()}`;
    const pub = await runSipp({ scenario: 'uac-publish-auth', remote: `127.0.0.1:${kamailio.port}`,
      args: ['-s', 'carol', '-key', 'note', note, ...creds('carol')] });
    expect(pub.exitCode, pub.errors).toBe(0);
    const sub = await runSipp({ scenario: 'uac-subscribe-auth', remote: `127.0.0.1:${kamailio.port}`, transport: 'tcp',
      args: ['-s', 'carol', '-key', 'from', 'dave', ...creds('dave')] });
    expect(sub.exitCode, `${sub.errors}\n${kamailio.logTail(20)}`).toBe(0);
    const notify = parseSippTrace(sub.messages).find((m) => m.direction === 'received' && m.firstLine.startsWith('NOTIFY'));
    expect(notify?.text).toContain(note);
    expect(notify?.text).toMatch(/Subscription-State: active/i);
  });

  it('restarts on the same ports, forgetting registrations until clients register again', async () => {
    const { port, tlsPort } = kamailio;
    expect(await kamailio.contactsOf('alice')).not.toEqual([]);
    await kamailio.restart();
    expect([kamailio.port, kamailio.tlsPort]).toEqual([port, tlsPort]);
    expect(await kamailio.contactsOf('alice')).toEqual([]);
    const r = await runSipp({ scenario: 'uac-register-auth', remote: `127.0.0.1:${port}`, args: ['-s', 'alice', ...creds('alice')] });
    expect(r.exitCode, r.errors).toBe(0);
    expect(await kamailio.contactsOf('alice')).toHaveLength(1);
  });
});
