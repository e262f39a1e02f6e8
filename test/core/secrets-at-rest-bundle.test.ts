// The node bundle contract for a scrubbed bundle (issue 12): what the agent rewrites
// node.yaml to once the node is bootstrapped. No PKI file, no token secret; everything
// `status` and the phases without secrets read is kept; the contract refuses a bundle
// that says it is scrubbed and still carries either.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { KubeseedError } from '../../core/errors.ts';
import { type NodeBundle, parseBundle, renderBundle, scrubBundle } from '../../core/node-bundle.ts';
import { bundledPkiFiles } from '../../generator/node-bundle.ts';
import { createClusterPki } from '../../generator/pki/cluster-pki.ts';
import { makeBundle, TOKEN } from '../bootstrap/helpers.ts';
import { needing } from '../helpers/tools.ts';

const test = needing(suite('node bundle contract: the scrubbed bundle'), { tools: ['openssl'] });

const AT = new Date('2026-12-01T10:00:00.000Z');
const SECRET = TOKEN.split('.')[1]!;

function problemsOf(value: unknown): string[] {
  try {
    parseBundle(stringify(value));
  } catch (error) {
    if (error instanceof KubeseedError) return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
  throw new Error('expected the bundle to be rejected');
}

let rsaBundle: NodeBundle;

test.before(async () => {
  const pki = await createClusterPki({ algorithm: 'RSA-2048', caValidityHours: 48, certValidityHours: 24, now: AT });
  const bundle = makeBundle('init');
  rsaBundle = { ...bundle, cluster: { ...bundle.cluster, caCertificate: pki.ca.cert }, pki: bundledPkiFiles(pki) };
});

test('an init bundle with RSA keys as primes: scrubbed, it holds no key, no primes, no token secret, and parses back', () => {
  const before = renderBundle(rsaBundle);
  assert.match(before, /rsaPrimes/);
  assert.ok(before.includes(SECRET));
  const text = renderBundle(scrubBundle(rsaBundle, AT));
  assert.not.match(text, /PRIVATE KEY|rsaPrimes/);
  assert.not.ok(text.includes(SECRET), 'the token secret is gone');
  assert.match(text, /^scrubbedAt: 2026-12-01T10:00:00\.000Z$/m);
  assert.match(text, /- token: 7f3k2q\.scrubbed$/m, "the token's public id is kept");
  const parsed = parseBundle(text);
  assert.is(parsed.scrubbedAt, AT.toISOString());
  assert.equal(parsed.pki, []);
  for (const key of ['apiVersion', 'kind', 'cluster', 'node', 'runtime', 'images', 'addons'] as const)
    assert.equal(parsed[key], rsaBundle[key], `${key} is kept`);
});

test('a worker bundle: only the token secret goes; scrubbing again changes nothing', () => {
  const worker = makeBundle('worker');
  const once = scrubBundle(worker, AT);
  assert.is(once.kubeadm.config, worker.kubeadm.config.replace(TOKEN, '7f3k2q.scrubbed'));
  assert.is(scrubBundle(once, new Date(AT.getTime() + 60_000)), once);
  assert.is(renderBundle(parseBundle(renderBundle(once))), renderBundle(once), 'byte for byte');
});

test('a bundle that says it is scrubbed and still carries a key or a token is refused, naming the field', () => {
  const scrubbed = scrubBundle(makeBundle('control-plane'), AT);
  assert.equal(problemsOf({ ...scrubbed, pki: makeBundle('control-plane').pki }), [
    'pki: a scrubbed bundle carries no PKI files',
  ]);
  assert.equal(problemsOf({ ...scrubbed, kubeadm: makeBundle('control-plane').kubeadm }), [
    'kubeadm.config: a scrubbed bundle carries no bootstrap token secret',
  ]);
  assert.equal(problemsOf({ ...scrubbed, scrubbedAt: 'yesterday' }), [
    'scrubbedAt: "yesterday" is not valid; expected an RFC 3339 UTC time',
  ]);
  // Without scrubbedAt, a control plane without its PKI is what it always was: invalid.
  const { scrubbedAt: _, ...unmarked } = scrubbed;
  assert.equal(problemsOf(unmarked), [
    'pki: a control-plane bundle needs ca.key, front-proxy-ca.crt, front-proxy-ca.key, etcd/ca.crt, etcd/ca.key, sa.key; missing: ca.key, front-proxy-ca.crt, front-proxy-ca.key, etcd/ca.crt, etcd/ca.key, sa.key',
  ]);
});

test.run();
