import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { KubeseedError } from '../../core/errors.ts';
import { type NodeBundle, type PkiFile, parseBundle, renderBundle, sharedPkiFiles } from '../../core/node-bundle.ts';
import { bundledPkiFiles } from '../../generator/node-bundle.ts';
import { createClusterPki } from '../../generator/pki/cluster-pki.ts';
import type { ClusterPki } from '../../generator/pki/types.ts';
import { makeBundle, makePki } from '../bootstrap/helpers.ts';

const contract = suite('node bundle contract');

function problemsOf(text: string): string[] {
  try {
    parseBundle(text);
  } catch (error) {
    if (error instanceof KubeseedError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  throw new Error('expected the bundle to be rejected');
}

contract('a control-plane bundle round-trips and expands to the eight files kubeadm reuses', () => {
  const bundle = makeBundle('control-plane');
  const parsed = parseBundle(renderBundle(bundle));
  assert.equal(parsed, bundle);
  const pki = makePki();
  const files = Object.fromEntries(sharedPkiFiles(parsed).map((file) => [file.path, file.content]));
  assert.equal(Object.keys(files), [
    'ca.crt',
    'ca.key',
    'front-proxy-ca.crt',
    'front-proxy-ca.key',
    'etcd/ca.crt',
    'etcd/ca.key',
    'sa.key',
    'sa.pub',
  ]);
  assert.is(files['ca.crt'], pki.caCert);
  assert.is(files['sa.pub'], pki.saPub);
});

contract('a CA key that does not match its certificate is rejected before anything runs', () => {
  const bundle = makeBundle('init');
  const swapped = {
    ...bundle,
    pki: bundle.pki.map((file) => (file.path === 'ca.key' ? { ...file, content: makePki().etcdKey } : file)),
  };
  assert.equal(problemsOf(stringify(swapped)), ['pki: ca.key does not match its certificate']);
});

contract('a malformed key is named but never quoted back: errors reach the journal', () => {
  const bundle = makeBundle('init');
  const secret = 'MIIEsecretkeymaterialthatmustnotleak0123456789abcdefghijklmnop';
  const broken = {
    ...bundle,
    pki: bundle.pki.map((file) => (file.path === 'ca.key' ? { path: file.path, content: `${secret}\n` } : file)),
  };
  const problems = problemsOf(stringify(broken));
  assert.ok(problems.includes('pki[0].content: is not valid; expected a PEM block'), problems.join('\n'));
  assert.not.ok(problems.join('\n').includes('secretkeymaterial'));
});

contract('a worker bundle with a private key is rejected', () => {
  const worker = { ...makeBundle('worker'), pki: [{ path: 'ca.key', content: makePki().caKey }] };
  assert.equal(problemsOf(stringify(worker)), [
    'pki: a worker bundle must not carry PKI files: workers never get a CA private key',
  ]);
});

contract.run();

const rsa = suite('node bundle contract: RSA keys carried as their primes');
let rsaPki: ClusterPki;
let rsaBundle: NodeBundle;

rsa.before(async () => {
  rsaPki = await createClusterPki({
    algorithm: 'RSA-2048',
    caValidityHours: 48,
    certValidityHours: 24,
    now: new Date(),
  });
  const bundle = makeBundle('init');
  rsaBundle = {
    ...bundle,
    cluster: { ...bundle.cluster, caCertificate: rsaPki.ca.cert },
    pki: bundledPkiFiles(rsaPki),
  };
});

function withFile(path: string, replace: (file: PkiFile) => object): object {
  return { ...rsaBundle, pki: rsaBundle.pki.map((file) => (file.path === path ? replace(file) : file)) };
}

rsa('the generator carries each RSA key as p, q and e; the agent rebuilds the eight files byte for byte', () => {
  assert.equal(
    rsaBundle.pki.map((file) => [file.path, file.rsaPrimes === undefined ? 'content' : 'rsaPrimes']),
    [
      ['ca.key', 'rsaPrimes'],
      ['front-proxy-ca.crt', 'content'],
      ['front-proxy-ca.key', 'rsaPrimes'],
      ['etcd/ca.crt', 'content'],
      ['etcd/ca.key', 'rsaPrimes'],
      ['sa.key', 'rsaPrimes'],
    ],
  );
  const text = renderBundle(rsaBundle);
  assert.not.match(text, /PRIVATE KEY/);
  const parsed = parseBundle(text);
  assert.equal(parsed, rsaBundle);
  assert.is(renderBundle(parsed), text);
  const files = Object.fromEntries(sharedPkiFiles(parsed).map((file) => [file.path, file.content]));
  assert.equal(files, {
    'ca.crt': rsaPki.ca.cert,
    'ca.key': rsaPki.ca.key,
    'front-proxy-ca.crt': rsaPki.frontProxyCa.cert,
    'front-proxy-ca.key': rsaPki.frontProxyCa.key,
    'etcd/ca.crt': rsaPki.etcdCa.cert,
    'etcd/ca.key': rsaPki.etcdCa.key,
    'sa.key': rsaPki.serviceAccount.key,
    'sa.pub': rsaPki.serviceAccount.pub,
  });
});

rsa('primes with p swapped for another prime rebuild another key, which its certificate rejects', () => {
  const otherP = rsaBundle.pki.find((file) => file.path === 'etcd/ca.key')!.rsaPrimes!.p;
  const corrupted = withFile('ca.key', (file) => ({ ...file, rsaPrimes: { ...file.rsaPrimes!, p: otherP } }));
  assert.equal(problemsOf(stringify(corrupted)), ['pki: ca.key does not match its certificate']);
});

rsa('primes that make no RSA key are rejected naming the file', () => {
  const broken = withFile('sa.key', (file) => ({ ...file, rsaPrimes: { ...file.rsaPrimes!, q: 'AQ' } }));
  assert.equal(problemsOf(stringify(broken)), ['pki: sa.key is not a private key']);
});

rsa('a file with both content and rsaPrimes, or neither, is rejected (and not also called missing)', () => {
  const both = withFile('ca.key', (file) => ({ ...file, content: rsaPki.ca.key }));
  assert.equal(problemsOf(stringify(both)), ['pki[0]: needs exactly one of content (PEM) or rsaPrimes']);
  const neither = withFile('ca.key', (file) => ({ path: file.path }));
  assert.equal(problemsOf(stringify(neither)), ['pki[0]: needs exactly one of content (PEM) or rsaPrimes']);
});

rsa('only private keys travel as primes, and primes are base64url', () => {
  const primes = rsaBundle.pki.find((file) => file.path === 'ca.key')!.rsaPrimes!;
  const certificate = withFile('etcd/ca.crt', (file) => ({ path: file.path, rsaPrimes: primes }));
  assert.equal(problemsOf(stringify(certificate)), [
    'pki[3].rsaPrimes: only a private key travels as primes, not etcd/ca.crt',
  ]);
  const padded = withFile('ca.key', (file) => ({ ...file, rsaPrimes: { ...file.rsaPrimes!, e: 'AQAB==' } }));
  assert.equal(problemsOf(stringify(padded)), ['pki[0].rsaPrimes.e: is not valid; expected base64url digits']);
});

rsa.run();
