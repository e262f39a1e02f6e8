// Certificates made with openssl, not kubeseed's own PKI code, so the agent and the
// generator are checked against certificates they did not make: self-signed CAs, and
// serving certificates for an IP address.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/**
 * Writes a self-signed EC CA as `<name>.key` and `<name>.crt` in `dir`, valid for two days:
 * on P-256 with the subject `/CN=<name>` unless said, and any further `openssl req`
 * arguments. Returns the two files' paths.
 */
export function makeOpensslCa(
  dir: string,
  name: string,
  options: { subject?: string; curve?: string; args?: string[] } = {},
): { cert: string; key: string } {
  openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    `ec_paramgen_curve:${options.curve ?? 'P-256'}`,
    '-nodes',
    '-days',
    '2',
    '-subj',
    options.subject ?? `/CN=${name}`,
    ...(options.args ?? []),
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

/**
 * Writes `<name>.key` and `<name>.crt` in `dir` for `ip`, signed by the CA whose files are
 * `ca.cert` and `ca.key` (relative to `dir`, or absolute). The serial file stays in `dir`.
 */
export function signServerCertificate(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  ip = '127.0.0.1',
): void {
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=IP:${ip}\n`);
  openssl(
    dir,
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-CAserial',
    `${name}.srl`,
    '-days',
    '1',
    '-extfile',
    'san.ext',
    '-out',
    `${name}.crt`,
  );
}
