import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { parseBundle, renderBundle, sharedPkiFiles } from '../bootstrap/bundle.ts';
import { KubeseedError } from '../bootstrap/errors.ts';
import { makeBundle, makePki } from './agent/helpers.ts';

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
  assert.equal(Object.keys(files), ['ca.crt', 'ca.key', 'front-proxy-ca.crt', 'front-proxy-ca.key', 'etcd/ca.crt', 'etcd/ca.key', 'sa.key', 'sa.pub']);
  assert.is(files['ca.crt'], pki.caCert);
  assert.is(files['sa.pub'], pki.saPub);
});

contract('a CA key that does not match its certificate is rejected before anything runs', () => {
  const bundle = makeBundle('init');
  const swapped = { ...bundle, pki: bundle.pki.map((file) => (file.path === 'ca.key' ? { ...file, content: makePki().etcdKey } : file)) };
  assert.equal(problemsOf(stringify(swapped)), ['pki: ca.key does not match its certificate']);
});

contract('a worker bundle with a private key is rejected', () => {
  const worker = { ...makeBundle('worker'), pki: [{ path: 'ca.key', content: makePki().caKey }] };
  assert.equal(problemsOf(stringify(worker)), ['pki: a worker bundle must not carry PKI files: workers never get a CA private key']);
});

contract.run();
