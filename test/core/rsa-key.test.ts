import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compactRsaKey, expandRsaKey } from '../../core/rsa-key.ts';
import { generateKeyPair } from '../../generator/pki/algorithms.ts';
import { createClusterPki } from '../../generator/pki/cluster-pki.ts';
import { privateKeyPem } from '../../generator/pki/pem.ts';
import type { KeyAlgorithm } from '../../generator/spec/types.ts';
import { needing } from '../helpers/tools.ts';

const rsaKey = suite('RSA private keys carried as their primes');
const withOpenssl = needing(rsaKey, { tools: ['openssl'] });

const RSA_SIZES = [2048, 3072, 4096] as const;

const run = promisify(execFile);

/** In the traditional encoding (PKCS#1 for RSA) that kubeadm writes; genpkey alone writes PKCS#8. */
async function opensslKey(...algorithm: string[]): Promise<string> {
  return (await run('sh', ['-c', 'openssl genpkey "$@" 2>/dev/null | openssl pkey -traditional', 'sh', ...algorithm]))
    .stdout;
}

async function clusterKeys(algorithm: KeyAlgorithm): Promise<Record<string, string>> {
  const pki = await createClusterPki({ algorithm, caValidityHours: 48, certValidityHours: 24, now: new Date() });
  return {
    'ca.key': pki.ca.key,
    'front-proxy-ca.key': pki.frontProxyCa.key,
    'etcd/ca.key': pki.etcdCa.key,
    'sa.key': pki.serviceAccount.key,
  };
}

/** One key the way createClusterPki makes each of its keys: a whole RSA-4096 PKI takes seconds. */
async function generatorKey(algorithm: KeyAlgorithm): Promise<string> {
  return privateKeyPem((await generateKeyPair(algorithm)).privateKey);
}

function roundTrips(pem: string, label: string): void {
  assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/, label);
  const primes = compactRsaKey(pem);
  assert.ok(primes, `${label}: no compact form`);
  assert.is(expandRsaKey(primes), pem, label);
}

withOpenssl('openssl RSA keys rebuild byte for byte from p, q and e', async () => {
  const keys = await Promise.all(
    RSA_SIZES.map((bits) => opensslKey('-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`)),
  );
  for (const [index, pem] of keys.entries()) roundTrips(pem, `openssl RSA-${RSA_SIZES[index]}`);
});

rsaKey("the generator's RSA keys rebuild byte for byte from p, q and e", async () => {
  for (const [path, pem] of Object.entries(await clusterKeys('RSA-2048'))) roundTrips(pem, `RSA-2048 ${path}`);
  const [rsa3072, rsa4096] = await Promise.all([generatorKey('RSA-3072'), generatorKey('RSA-4096')]);
  roundTrips(rsa3072, 'RSA-3072');
  roundTrips(rsa4096, 'RSA-4096');
});

withOpenssl('a PEM the primes would not rebuild exactly has no compact form: PKCS#8, or another valid d', async () => {
  const traditional = await opensslKey('-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048');
  assert.is(
    compactRsaKey(createPrivateKey(traditional).export({ type: 'pkcs8', format: 'pem' }).toString()),
    undefined,
  );
  const jwk = createPrivateKey(traditional).export({ format: 'jwk' });
  const big = (value: string | undefined) => BigInt(`0x${Buffer.from(value!, 'base64url').toString('hex')}`);
  const [p, q, d] = [big(jwk.p), big(jwk.q), big(jwk.d)];
  let [a, b] = [p - 1n, q - 1n];
  while (b !== 0n) [a, b] = [b, a % b];
  // d + λ(n) is an equally valid private exponent: the same key, written differently.
  const other = (d + ((p - 1n) * (q - 1n)) / a).toString(16);
  const otherD = Buffer.from(other.length % 2 === 0 ? other : `0${other}`, 'hex').toString('base64url');
  const otherPem = createPrivateKey({ key: { ...jwk, d: otherD }, format: 'jwk' })
    .export({ type: 'pkcs1', format: 'pem' })
    .toString();
  assert.is.not(otherPem, traditional);
  assert.is(compactRsaKey(otherPem), undefined);
});

withOpenssl('EC keys have no compact form', async () => {
  assert.is(compactRsaKey(await opensslKey('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256')), undefined);
  for (const [path, pem] of Object.entries(await clusterKeys('ECDSA-P256')))
    assert.is(compactRsaKey(pem), undefined, path);
  assert.is(compactRsaKey(await generatorKey('ECDSA-P384')), undefined);
});

rsaKey.run();
