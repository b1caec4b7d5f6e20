/**
 * Kamailio fixture: registrar, proxy and presence server on 127.0.0.1 with UDP+TCP on one port
 * and TLS on another, users in db_text, a CA and server certificate made for the run.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kamailioConfig } from './kamailio-config';
import { makeTestCertificates } from './certs';
import { ManagedProcess, pollUntil, startProcess } from './managed-process';
import { freePort } from './ports';
import { makeRunDir, removeRunDir } from './temp-dir';
import { binary } from './binaries';

const run = promisify(execFile);
const MODULES_DIR = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const DBTEXT_SCHEMA_DIR = '/usr/share/kamailio/dbtext/kamailio';

/** The users every Kamailio fixture knows (username → password). */
export const TEST_USERS = {
  alice: 'alice-secret-1',
  bob: 'bob-secret-2',
  carol: 'carol-secret-3',
  dave: 'dave-secret-4',
} as const;
export type TestUser = keyof typeof TEST_USERS;

export interface KamailioOptions {
  /** SIP domain of the users (default '127.0.0.1'; 'localhost' is also treated as local). */
  readonly domain?: string;
  /** Test hook: accept every request without digest authentication. */
  readonly noAuth?: boolean;
  /** Kamailio `debug` level (default 2; 3 logs every routing step). */
  readonly debugLevel?: number;
}

export interface KamailioFixture {
  readonly host: '127.0.0.1';
  readonly domain: string;
  /** UDP and TCP listen port. */
  readonly port: number;
  /** TLS listen port. */
  readonly tlsPort: number;
  /** CA certificate (PEM) clients must trust for TLS. */
  readonly caPath: string;
  readonly users: typeof TEST_USERS;
  readonly dir: string;
  readonly logPath: () => string;
  /** Whether presence_dialoginfo (Event: dialog) loaded. */
  readonly dialogInfo: boolean;
  /** `sip:127.0.0.1:<port>;transport=<t>` — an outbound proxy / registrar URI. */
  proxyUri(transport: 'udp' | 'tcp' | 'tls'): string;
  /** `sip:<user>@<domain>` */
  aor(user: string): string;
  /** kamcmd ul.dump output (registrations with socket, received, expires). */
  ulDump(): Promise<string>;
  /** Contact URIs currently registered for `user`. */
  contactsOf(user: string): Promise<string[]>;
  kamcmd(...args: string[]): Promise<string>;
  /**
   * Stop and start again on the same ports. Registrations and subscriptions are lost (kept in
   * memory); published presence documents survive (db_text).
   */
  restart(): Promise<void>;
  logTail(lines?: number): string;
  dispose(): Promise<void>;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function writeDatabase(dbDir: string, domain: string): void {
  mkdirSync(dbDir, { recursive: true });
  for (const table of readdirSync(DBTEXT_SCHEMA_DIR)) {
    copyFileSync(join(DBTEXT_SCHEMA_DIR, table), join(dbDir, table));
  }
  // presence writes an empty sender, which db_text reads back as null and then refuses to load
  // the table (a restart would fail): let the column be null.
  const presentity = join(dbDir, 'presentity');
  writeFileSync(presentity, readFileSync(presentity, 'utf8').replace('sender(string)', 'sender(string,null)'));
  // Empty ha1/ha1b makes the whole subscriber table fail to load (TESTBED.md): fill them.
  let id = 1;
  for (const [user, password] of Object.entries(TEST_USERS)) {
    const ha1 = md5(`${user}:${domain}:${password}`);
    const ha1b = md5(`${user}@${domain}:${domain}:${password}`);
    appendFileSync(join(dbDir, 'subscriber'), `${id++}:${user}:${domain}:${password}:${ha1}:${ha1b}\n`);
  }
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startKamailio(opts: KamailioOptions = {}): Promise<KamailioFixture> {
  const domain = opts.domain ?? '127.0.0.1';
  const dir = makeRunDir('kamailio');
  const runDir = join(dir, 'run');
  const dbDir = join(dir, 'db');
  mkdirSync(runDir);
  writeDatabase(dbDir, domain);
  const certs = makeTestCertificates(dir);
  const tlsConfigPath = join(dir, 'tls.cfg');
  writeFileSync(tlsConfigPath, [
    '[server:default]', 'method = TLSv1.2+', 'verify_certificate = no', 'require_certificate = no',
    `private_key = ${certs.keyPath}`, `certificate = ${certs.certPath}`, `ca_list = ${certs.caPath}`, '',
    '[client:default]', 'method = TLSv1.2+', 'verify_certificate = no', 'require_certificate = no', '',
  ].join('\n'));
  const port = await freePort();
  const tlsPort = await freePort();
  const dialogInfo = existsSync(join(MODULES_DIR, 'presence_dialoginfo.so'));
  const cfgPath = join(dir, 'kamailio.cfg');
  writeFileSync(cfgPath, kamailioConfig({
    port, tlsPort, domain, modulesDir: MODULES_DIR, dbDir, runDir, tlsConfigPath,
    noAuth: opts.noAuth ?? false, withDialogInfo: dialogInfo, debugLevel: opts.debugLevel ?? 2,
  }));
  const ctl = `unix:${join(runDir, 'kamailio_ctl')}`;
  const kamcmd = async (...args: string[]): Promise<string> =>
    (await run(binary('kamcmd'), ['-s', ctl, ...args], { timeout: 10_000 })).stdout;

  try {
    await run(binary('kamailio'), ['-c', '-f', cfgPath], { timeout: 20_000 });
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`kamailio rejected ${cfgPath}:\n${(err.stderr ?? '').split('\n').slice(-30).join('\n')}`);
  }

  let generation = 0;
  let proc: ManagedProcess | undefined;
  let logPath = '';
  const launch = async (): Promise<void> => {
    generation += 1;
    logPath = join(dir, `kamailio-${generation}.log`);
    const p = startProcess('kamailio', binary('kamailio'),
      ['-DD', '-E', '-f', cfgPath, '-Y', runDir, '-m', '64', '-M', '8'], { cwd: dir, logPath, processGroup: true });
    proc = p;
    try {
      await pollUntil('kamailio TCP and TLS ports', 15_000, async () => {
        if (!p.isRunning()) throw new Error('kamailio exited');
        return (await tcpOpen(port)) && (await tcpOpen(tlsPort)) ? true : undefined;
      });
      await pollUntil('kamailio ctl socket', 10_000, async () => {
        try {
          await kamcmd('core.version');
          return true;
        } catch {
          return undefined;
        }
      }, 100);
    } catch (e) {
      await p.stop();
      throw new Error(`kamailio did not start: ${(e as Error).message}\n${p.describe(60)}`, { cause: e });
    }
  };
  await launch();

  let disposed = false;
  const fixture: KamailioFixture = {
    host: '127.0.0.1',
    domain,
    port,
    tlsPort,
    caPath: certs.caPath,
    users: TEST_USERS,
    dir,
    logPath: () => logPath,
    dialogInfo,
    proxyUri: (t) => `sip:127.0.0.1:${t === 'tls' ? tlsPort : port};transport=${t}`,
    aor: (user) => `sip:${user}@${domain}`,
    ulDump: () => kamcmd('ul.dump'),
    async contactsOf(user) {
      let out: string;
      try {
        out = await kamcmd('ul.lookup', 'location', user); // usrloc use_domain=0: the AoR is the user
      } catch {
        return []; // "AOR not found"
      }
      return [...out.matchAll(/Address:\s*(\S+)/g)].map((m) => m[1] ?? '');
    },
    kamcmd,
    async restart() {
      await proc?.stop();
      await launch();
    },
    logTail: (lines = 40) => proc?.tail(lines) ?? '',
    async dispose() {
      if (disposed) return;
      disposed = true;
      await proc?.stop();
      removeRunDir(dir);
    },
  };
  return fixture;
}
