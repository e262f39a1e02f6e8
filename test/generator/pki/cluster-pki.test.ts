// PKI checked by a real consumer: every property is read back with openssl, the tool an
// operator (and kubeadm's own docs) would use to inspect these files.
import { execFileSync, execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { caCertHash } from '../../../generator/pki/ca-hash.ts';
import { createClusterPki } from '../../../generator/pki/cluster-pki.ts';
import { renderKubeconfig } from '../../../generator/pki/kubeconfig.ts';
import type { ClusterPki } from '../../../generator/pki/types.ts';
import type { KeyAlgorithm } from '../../../generator/spec/types.ts';
import { needing } from '../../helpers/tools.ts';

const OPENSSL = 'openssl';
const NOW = new Date('2025-03-01T10:00:00Z');
const CA_VALIDITY_HOURS = 87600;
const CERT_VALIDITY_HOURS = 8760;
const HOUR_MS = 3_600_000;

interface Expected {
  keyHeader: string;
  publicKeyLine: string;
  signature: string;
}

const ALGORITHMS: [KeyAlgorithm, Expected][] = [
  [
    'RSA-2048',
    { keyHeader: 'RSA PRIVATE KEY', publicKeyLine: 'Public-Key: (2048 bit)', signature: 'sha256WithRSAEncryption' },
  ],
  [
    'ECDSA-P256',
    { keyHeader: 'EC PRIVATE KEY', publicKeyLine: 'ASN1 OID: prime256v1', signature: 'ecdsa-with-SHA256' },
  ],
  ['ECDSA-P384', { keyHeader: 'EC PRIVATE KEY', publicKeyLine: 'ASN1 OID: secp384r1', signature: 'ecdsa-with-SHA384' }],
];

const CAS = [
  ['ca', 'kubernetes'],
  ['front-proxy-ca', 'front-proxy-ca'],
  ['etcd-ca', 'etcd-ca'],
] as const;

// Certificates are made for the fixed NOW, so chains are verified at that moment.
const AT_NOW = ['-attime', String(NOW.getTime() / 1000)];

function openssl(args: string[], input?: string): string {
  return execFileSync(OPENSSL, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function writePki(dir: string, pki: ClusterPki): void {
  const files: Record<string, string> = {
    'ca.crt': pki.ca.cert,
    'ca.key': pki.ca.key,
    'front-proxy-ca.crt': pki.frontProxyCa.cert,
    'front-proxy-ca.key': pki.frontProxyCa.key,
    'etcd-ca.crt': pki.etcdCa.cert,
    'etcd-ca.key': pki.etcdCa.key,
    'sa.key': pki.serviceAccount.key,
    'sa.pub': pki.serviceAccount.pub,
    'admin.crt': pki.admin.cert,
    'admin.key': pki.admin.key,
  };
  for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir, name), contents, { mode: 0o600 });
}

function dates(cert: string): { notBefore: number; notAfter: number } {
  const out = openssl(['x509', '-in', cert, '-noout', '-startdate', '-enddate', '-dateopt', 'iso_8601']);
  const field = (name: string) => Date.parse(new RegExp(`${name}=(\\S+) (\\S+)`).exec(out)?.slice(1).join('T') ?? '');
  return { notBefore: field('notBefore'), notAfter: field('notAfter') };
}

function keyId(cert: string, extension: string): string | undefined {
  return /([0-9A-F]{2}:){19}[0-9A-F]{2}/.exec(openssl(['x509', '-in', cert, '-noout', '-ext', extension]))?.[0];
}

const root = mkdtempSync(join(tmpdir(), 'kubeseed-pki-'));
// Generated once and concurrently: RSA key generation is the slow part of this file.
const fixtures = await Promise.all(
  ALGORITHMS.map(async ([algorithm, expected]) => {
    const pki = await createClusterPki({
      algorithm,
      caValidityHours: CA_VALIDITY_HOURS,
      certValidityHours: CERT_VALIDITY_HOURS,
      now: NOW,
    });
    const dir = join(root, algorithm);
    mkdirSync(dir);
    writePki(dir, pki);
    return { algorithm, expected, pki, dir };
  }),
);

for (const { algorithm, expected, pki, dir } of fixtures) {
  const test = needing(suite(`pki ${algorithm}`), { tools: ['openssl'] });
  const file = (name: string) => join(dir, name);

  test('each CA is a self-signed CA with the common name kubeadm gives it', () => {
    for (const [name, commonName] of CAS) {
      const cert = file(`${name}.crt`);
      assert.is(openssl(['verify', ...AT_NOW, '-CAfile', cert, cert]).trim(), `${cert}: OK`);
      assert.is(openssl(['x509', '-in', cert, '-noout', '-subject']).trim(), `subject=CN = ${commonName}`);
      const extensions = openssl(['x509', '-in', cert, '-noout', '-ext', 'basicConstraints,keyUsage']);
      assert.match(extensions, /Basic Constraints: critical\s+CA:TRUE/);
      assert.match(extensions, /Key Usage: critical\s+.*Certificate Sign/);
      assert.ok(keyId(cert, 'subjectKeyIdentifier'), `${name} has a SubjectKeyId`);
    }
  });

  test('admin is a clientAuth certificate for kubeadm:cluster-admins signed by the cluster CA', () => {
    const admin = file('admin.crt');
    assert.is(openssl(['verify', ...AT_NOW, '-CAfile', file('ca.crt'), admin]).trim(), `${admin}: OK`);
    assert.throws(() => openssl(['verify', ...AT_NOW, '-CAfile', file('etcd-ca.crt'), admin]));
    assert.is(
      openssl(['x509', '-in', admin, '-noout', '-subject']).trim(),
      'subject=O = kubeadm:cluster-admins, CN = kubernetes-admin',
    );
    const extensions = openssl(['x509', '-in', admin, '-noout', '-ext', 'basicConstraints,extendedKeyUsage']);
    assert.match(extensions, /CA:FALSE/);
    assert.match(extensions, /TLS Web Client Authentication/);
    assert.is(keyId(admin, 'authorityKeyIdentifier'), keyId(file('ca.crt'), 'subjectKeyIdentifier'));
  });

  test('validity starts 5 minutes before now and lasts the configured hours', () => {
    for (const [name] of CAS) {
      assert.equal(dates(file(`${name}.crt`)), {
        notBefore: NOW.getTime() - 5 * 60_000,
        notAfter: NOW.getTime() + CA_VALIDITY_HOURS * HOUR_MS,
      });
    }
    assert.equal(dates(file('admin.crt')), {
      notBefore: NOW.getTime() - 5 * 60_000,
      notAfter: NOW.getTime() + CERT_VALIDITY_HOURS * HOUR_MS,
    });
  });

  test(`keys are ${expected.keyHeader} PEM, use the algorithm, and match their certificates`, () => {
    for (const name of ['ca', 'front-proxy-ca', 'etcd-ca', 'admin']) {
      const key = file(`${name}.key`);
      const cert = file(`${name}.crt`);
      assert.match(readFileSync(key, 'utf8'), new RegExp(`^-----BEGIN ${expected.keyHeader}-----\n`));
      assert.is(
        openssl(['pkey', '-in', key, '-pubout']),
        openssl(['x509', '-in', cert, '-pubkey', '-noout']),
        `${name}.key matches ${name}.crt`,
      );
      const text = openssl(['x509', '-in', cert, '-noout', '-text']);
      assert.ok(text.includes(expected.publicKeyLine), `${name}.crt key: ${expected.publicKeyLine}`);
      assert.ok(
        text.includes(`Signature Algorithm: ${expected.signature}`),
        `${name}.crt signed ${expected.signature}`,
      );
    }
  });

  test('sa.pub is the PKIX public half of sa.key, which follows the algorithm', () => {
    assert.match(pki.serviceAccount.key, new RegExp(`^-----BEGIN ${expected.keyHeader}-----\n`));
    assert.match(pki.serviceAccount.pub, /^-----BEGIN PUBLIC KEY-----\n/);
    assert.is(openssl(['pkey', '-in', file('sa.key'), '-pubout']), pki.serviceAccount.pub);
    assert.ok(openssl(['pkey', '-pubin', '-in', file('sa.pub'), '-noout', '-text']).includes(expected.publicKeyLine));
  });

  test('serial numbers are distinct positive 63-bit values', () => {
    const serials = ['ca', 'front-proxy-ca', 'etcd-ca', 'admin'].map((name) =>
      openssl(['x509', '-in', file(`${name}.crt`), '-noout', '-serial'])
        .trim()
        .replace('serial=', ''),
    );
    assert.is(new Set(serials).size, serials.length);
    for (const serial of serials) assert.ok(BigInt(`0x${serial}`) > 0n && BigInt(`0x${serial}`) < 1n << 63n, serial);
  });

  test('caCertHash equals the pin openssl computes from the CA public key', () => {
    const digest = execSync(
      `${OPENSSL} x509 -pubkey -noout -in '${file('ca.crt')}' | ${OPENSSL} pkey -pubin -outform der | ${OPENSSL} dgst -sha256`,
      { encoding: 'utf8' },
    );
    const hex = /= ([0-9a-f]{64})$/.exec(digest.trim())?.[1];
    assert.ok(hex, digest);
    assert.is(caCertHash(pki.ca.cert), `sha256:${hex}`);
    assert.is.not(caCertHash(pki.etcdCa.cert), caCertHash(pki.ca.cert));
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
  test.run();
}

const kubeconfig = needing(suite('kubeconfig'), { tools: ['openssl'] });
const ecdsa = fixtures[1]!;

kubeconfig('embeds the credentials and makes <user>@<cluster> the current context', () => {
  const text = renderKubeconfig({
    clusterName: 'demo',
    server: 'https://10.0.0.10:6443',
    caCert: ecdsa.pki.ca.cert,
    userName: 'kubernetes-admin',
    clientCert: ecdsa.pki.admin.cert,
    clientKey: ecdsa.pki.admin.key,
  });
  const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');
  const config = parse(text);
  assert.is(config.apiVersion, 'v1');
  assert.is(config.kind, 'Config');
  assert.is(config['current-context'], 'kubernetes-admin@demo');
  assert.equal(config.contexts, [
    { context: { cluster: 'demo', user: 'kubernetes-admin' }, name: 'kubernetes-admin@demo' },
  ]);
  assert.is(config.clusters[0].name, 'demo');
  assert.is(config.clusters[0].cluster.server, 'https://10.0.0.10:6443');
  assert.is(decode(config.clusters[0].cluster['certificate-authority-data']), ecdsa.pki.ca.cert);
  assert.is(config.users[0].name, 'kubernetes-admin');
  assert.is(decode(config.users[0].user['client-certificate-data']), ecdsa.pki.admin.cert);
  assert.is(decode(config.users[0].user['client-key-data']), ecdsa.pki.admin.key);

  const dir = join(root, 'kubeconfig');
  mkdirSync(dir);
  writeFileSync(join(dir, 'ca.crt'), decode(config.clusters[0].cluster['certificate-authority-data']));
  writeFileSync(join(dir, 'client.crt'), decode(config.users[0].user['client-certificate-data']));
  assert.is(
    openssl(['verify', ...AT_NOW, '-CAfile', join(dir, 'ca.crt'), join(dir, 'client.crt')]).trim(),
    `${join(dir, 'client.crt')}: OK`,
  );
});

kubeconfig.after(() => rmSync(root, { recursive: true, force: true }));
kubeconfig.run();
