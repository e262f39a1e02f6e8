// RSA keys are the ones the node bundle carries as primes: generate an RSA-2048 cluster and
// check what the agent rebuilds against the state, and the init node against its budget.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBundle, sharedPkiFiles } from '../../bootstrap/bundle.ts';
import { runCli } from '../helpers/run-cli.ts';

const SPEC = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: lab
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.5:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: RSA-2048
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
  - name: cp-2
    role: control-plane
    address: 10.0.0.12
  - name: w-1
    role: worker
    address: 10.0.0.21
`;

const rsaSuite = suite('kubeseed generate: RSA-2048 keys travel as their primes');
let dir = '';

rsaSuite.before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeseed-generate-rsa-'));
  writeFileSync(join(dir, 'cluster.yaml'), SPEC);
  const result = runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', join(dir, 'out')]);
  assert.is(result.code, 0, result.stderr);
});
rsaSuite.after(() => rmSync(dir, { recursive: true, force: true }));

rsaSuite('the eight files the agent derives equal the state byte for byte', () => {
  for (const node of ['cp-1', 'cp-2']) {
    const text = readFileSync(join(dir, `out/nodes/${node}/node.yaml`), 'utf8');
    assert.not.match(text, /PRIVATE KEY/, node);
    const bundle = parseBundle(text);
    assert.equal(bundle.pki.filter((file) => file.rsaPrimes !== undefined).map((file) => file.path), ['ca.key', 'front-proxy-ca.key', 'etcd/ca.key', 'sa.key']);
    const files = sharedPkiFiles(bundle);
    assert.is(files.length, 8);
    for (const file of files) assert.is(file.content, readFileSync(join(dir, 'out/state/pki', file.path), 'utf8'), `${node} ${file.path}`);
  }
});

rsaSuite("the init node's user-data fits 8 KiB gzipped", () => {
  const gzipped = gzipSync(readFileSync(join(dir, 'out/nodes/cp-1/user-data')), { level: 9 }).length;
  assert.ok(gzipped <= 8192, `${gzipped} bytes`);
});

rsaSuite.run();
