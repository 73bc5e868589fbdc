import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';

/** PEM files made by `tlsCertificates`: a CA, a server certificate it signed, and an unrelated CA. */
export interface TestCertificates {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** A CA that signed nothing here: trusting only it must fail verification. */
  readonly wrongCa: string;
}

/**
 * A throwaway PKI in `dir` (1 day): the server certificate names `localhost` and 127.0.0.1 in
 * its subjectAltName (or `names`, e.g. `['DNS:localhost']`), so both verify-full by name and by
 * IP hold. Made with the openssl binary.
 */
export function tlsCertificates(
  dir: string,
  { names = ['DNS:localhost', 'IP:127.0.0.1'] }: { names?: readonly string[] } = {},
): TestCertificates {
  const openssl = requireBinary('openssl');
  const f = (name: string) => join(dir, name);
  const run = (args: string[]) => execFileSync(openssl, args, { stdio: 'pipe' });
  const ca = (name: string) => {
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.pem`),
    ]);
    return f(`${name}.pem`);
  };
  const goodCa = ca('tidewater-test-ca');
  const wrongCa = ca('tidewater-wrong-ca');
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  ]);
  writeFileSync(f('server.ext'), `subjectAltName=${names.join(',')}\n`);
  run([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    goodCa,
    '-CAkey',
    f('tidewater-test-ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    f('server.ext'),
    '-out',
    f('server.pem'),
  ]);
  return { ca: goodCa, serverCert: f('server.pem'), serverKey: f('server.key'), wrongCa };
}

/** mariadbd arguments (MariaDbOptions.extraArgs) that turn TLS on with these certificates. */
export function mariaDbTlsArgs(c: TestCertificates): string[] {
  return [`--ssl-ca=${c.ca}`, `--ssl-cert=${c.serverCert}`, `--ssl-key=${c.serverKey}`];
}
