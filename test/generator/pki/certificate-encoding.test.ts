// The certificate writer's DER read back by openssl and by Node's X509Certificate (both
// OpenSSL's parser, which rejects what is not DER): key usage bits, dates past 2049, names
// that are not PrintableString, and signing with a CA kubeseed did not make.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generateKeyPair } from '../../../generator/pki/algorithms.ts';
import { createCertificateAuthority } from '../../../generator/pki/ca.ts';
import { createClientCertificate } from '../../../generator/pki/client-cert.ts';
import { signShortLivedCredential } from '../../../generator/pki/short-lived-credential.ts';
import { loadCertificateAuthority } from '../../../generator/pki/stored-ca.ts';
import { makeOpensslCa } from '../../helpers/server-certificate.ts';
import { needing } from '../../helpers/tools.ts';

const test = needing(suite('certificate encoding (read back by openssl)'), { tools: ['openssl'] });
const dir = mkdtempSync(join(tmpdir(), 'kubeseed-cert-encoding-'));
const NOW = new Date('2031-06-15T08:30:45.678Z');

function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function ext(cert: string, name: string): string {
  return openssl(['x509', '-noout', '-ext', name], cert);
}

function keyIds(cert: string): { subject?: string; authority?: string } {
  const id = (text: string) => /([0-9A-F]{2}:){19}[0-9A-F]{2}/.exec(text)?.[0];
  return { subject: id(ext(cert, 'subjectKeyIdentifier')), authority: id(ext(cert, 'authorityKeyIdentifier')) };
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('key usage bits: RSA keys add keyEncipherment, CAs certSign, ECDSA leaves encipherment off', async () => {
  const rsa = await createCertificateAuthority({ commonName: 'r', algorithm: 'RSA-2048', now: NOW, validityHours: 1 });
  const ec = await createCertificateAuthority({ commonName: 'e', algorithm: 'ECDSA-P256', now: NOW, validityHours: 1 });
  assert.match(ext(rsa.pem.cert, 'keyUsage'), /critical\s+Digital Signature, Key Encipherment, Certificate Sign\s*$/);
  assert.match(ext(ec.pem.cert, 'keyUsage'), /critical\s+Digital Signature, Certificate Sign\s*$/);
  const keys = await generateKeyPair('ECDSA-P256');
  const client = createClientCertificate({
    ca: rsa,
    algorithm: 'ECDSA-P256',
    keys,
    commonName: 'c',
    organizations: [],
    now: NOW,
    validityHours: 1,
  });
  assert.match(ext(client.cert, 'keyUsage'), /critical\s+Digital Signature\s*$/);
  assert.match(ext(client.cert, 'basicConstraints'), /critical\s+CA:FALSE/);
  assert.is(openssl(['x509', '-noout', '-subject'], client.cert).trim(), 'subject=CN = c', 'no empty O RDN');
  assert.match(openssl(['x509', '-noout', '-text'], client.cert), /Signature Algorithm: sha256WithRSAEncryption/);
});

test('dates: whole seconds, UTCTime through 2049 and GeneralizedTime after, both read back exactly', async () => {
  const ca = await createCertificateAuthority({
    commonName: 'long',
    algorithm: 'ECDSA-P256',
    now: NOW,
    validityHours: 30 * 365 * 24,
  });
  const cert = new X509Certificate(ca.pem.cert);
  assert.is(new Date(cert.validFrom).toISOString(), '2031-06-15T08:25:45.000Z');
  assert.is(
    new Date(cert.validTo).toISOString(),
    new Date(Math.floor((NOW.getTime() + 30 * 365 * 24 * 3600_000) / 1000) * 1000).toISOString(),
  );
  const parsed = openssl(['asn1parse', '-inform', 'PEM'], ca.pem.cert);
  assert.match(parsed, /UTCTIME\s+:310615082545Z/);
  assert.match(parsed, /GENERALIZEDTIME\s+:2061\d{10}Z/);
});

test('a CA made by openssl, with a UTF-8 subject, signs a credential that verifies against it', async () => {
  const outside = makeOpensslCa(dir, 'outside', {
    curve: 'P-384',
    subject: '/O=Zürich Ops/CN=Äußere CA',
    args: ['-utf8'],
  });
  const pem = { cert: readFileSync(outside.cert, 'utf8'), key: readFileSync(outside.key, 'utf8') };
  const credential = await signShortLivedCredential({
    ca: pem,
    caAlgorithm: 'ECDSA-P384',
    user: 'alice',
    groups: ['ops'],
    now: new Date(),
    validitySeconds: 600,
  });
  const leaf = join(dir, 'alice.crt');
  writeFileSync(leaf, credential.cert);
  assert.match(openssl(['verify', '-CAfile', outside.cert, leaf]), /: OK/);
  assert.is(keyIds(credential.cert).authority, keyIds(pem.cert).subject);
  assert.match(openssl(['x509', '-noout', '-text'], credential.cert), /Signature Algorithm: ecdsa-with-SHA384/);
  const issuer = new X509Certificate(credential.cert).issuer;
  assert.ok(issuer.includes('Äußere CA') && issuer.includes('Zürich Ops'), issuer);
});

test('a stored CA whose key is not the spec algorithm is refused by name', async () => {
  const ca = await createCertificateAuthority({ commonName: 'k', algorithm: 'ECDSA-P256', now: NOW, validityHours: 1 });
  assert.throws(() => loadCertificateAuthority(ca.pem, 'RSA-2048'), /the stored CA key is ECDSA-P256, not RSA-2048/);
  const noKeyId = makeOpensslCa(dir, 'no-ski', { args: ['-addext', 'subjectKeyIdentifier=none'] });
  const bare = { cert: readFileSync(noKeyId.cert, 'utf8'), key: readFileSync(noKeyId.key, 'utf8') };
  assert.throws(() => loadCertificateAuthority(bare, 'ECDSA-P256'), /has no SubjectKeyIdentifier/);
});

test.run();
