/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1 / localhost, made
 * with openssl for one run of the test bed.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './binaries';

export interface TestCertificates {
  /** CA certificate (PEM) that clients trust. */
  readonly caPath: string;
  readonly caKeyPath: string;
  /** Server certificate (PEM) with subjectAltName IP:127.0.0.1, DNS:localhost. */
  readonly certPath: string;
  readonly keyPath: string;
}

function openssl(args: readonly string[]): void {
  execFileSync(binary('openssl'), [...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

export function makeTestCertificates(dir: string): TestCertificates {
  const caKeyPath = join(dir, 'ca.key');
  const caPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'server.key');
  const csrPath = join(dir, 'server.csr');
  const certPath = join(dir, 'server.pem');
  const extPath = join(dir, 'server.ext');
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKeyPath, '-out', caPath,
    '-days', '2', '-subj', '/CN=Parley Test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csrPath,
    '-subj', '/CN=127.0.0.1']);
  writeFileSync(extPath, [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth,clientAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', csrPath, '-CA', caPath, '-CAkey', caKeyPath, '-CAcreateserial',
    '-out', certPath, '-days', '2', '-extfile', extPath]);
  return { caPath, caKeyPath, certPath, keyPath };
}
