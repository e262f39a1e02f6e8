// The metadata guard in cluster.yaml (issue 12): on for every node unless the cluster or a
// node turns it off; `kubeseed validate` warns at the field (file:line:column) that does,
// and each node's bundle carries what applies to it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseBundle } from '../../core/node-bundle.ts';
import { runCli, runCliOk, runCliRefused } from '../helpers/run-cli.ts';

const test = suite('cluster spec: metadataGuard');

const BASE = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: lab
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.5:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
`;

const dirs: string[] = [];
test.after(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function specFile(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-guard-spec-'));
  dirs.push(dir);
  const file = join(dir, 'cluster.yaml');
  // Appended, so the line:column of every field above stays: the guard applies to stock and prepared images alike.
  writeFileSync(file, `${text}machineImage: prepared\n`);
  return { dir, file };
}

async function guards(text: string): Promise<{ guards: Record<string, boolean>; stderr: string }> {
  const { dir, file } = specFile(text);
  const out = join(dir, 'out');
  const { stderr } = await runCliOk(['generate', '-f', file, '-o', out]);
  const guards: Record<string, boolean> = {};
  for (const name of ['cp-1', 'w-1', 'w-2']) {
    guards[name] = parseBundle(readFileSync(join(out, 'nodes', name, 'node.yaml'), 'utf8')).node.metadataGuard;
  }
  return { guards, stderr };
}

const NODES = (w1: string, cp1 = '') => `nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11${cp1}
  - name: w-1
    role: worker${w1}
  - name: w-2
    role: worker
`;

test('by default every node has the guard, and validate says nothing about it', async () => {
  const { guards: on, stderr } = await guards(`${BASE}${NODES('')}`);
  assert.equal(on, { 'cp-1': true, 'w-1': true, 'w-2': true });
  assert.not.match(stderr, /metadataGuard/);
  const { file } = specFile(`${BASE}${NODES('')}`);
  const validate = await runCliOk(['validate', '-f', file]);
  assert.not.match(validate.stderr, /metadataGuard/);
});

test('one node turns it off: only that node, and validate warns at its field with file:line:column', async () => {
  const text = `${BASE}${NODES('\n    metadataGuard: false')}`;
  const { guards: set } = await guards(text);
  assert.equal(set, { 'cp-1': true, 'w-1': false, 'w-2': true });
  const { file } = specFile(text);
  const validate = await runCliOk(['validate', '-f', file]);
  assert.ok(
    validate.stderr.includes(
      `${file}:16:20: warning: nodes[1].metadataGuard: is false: pods on w-1 can read its user-data, with the bootstrap token, from the cloud metadata service (169.254.169.254)`,
    ),
    validate.stderr,
  );
});

test('the cluster turns it off and a control plane turns it back on: the warning names the nodes left without it', async () => {
  const text = `${BASE}metadataGuard: false\n${NODES('', '\n    metadataGuard: true')}`;
  const { guards: set, stderr } = await guards(text);
  assert.equal(set, { 'cp-1': true, 'w-1': false, 'w-2': false });
  assert.match(
    stderr,
    /cluster\.yaml:10:16: warning: metadataGuard: is false: pods on w-1, w-2 can read their node's user-data, with the bootstrap token, from the cloud metadata service \(169\.254\.169\.254\); turn it off only on the nodes whose workloads need it \(nodes\[\]\.metadataGuard: false\)/,
  );
  const controlPlanes = await guards(`${BASE}metadataGuard: false\n${NODES('')}`);
  assert.match(
    controlPlanes.stderr,
    /warning: metadataGuard: is false: pods on cp-1, w-1, w-2 can read their node's user-data, with the cluster CA keys and the bootstrap token, from/,
  );
});

test('a value that is not true or false is an error naming the field; nothing is written', async () => {
  const { dir, file } = specFile(`${BASE}${NODES('\n    metadataGuard: sometimes')}`);
  await runCliRefused(['generate', '-f', file, '-o', join(dir, 'out')], 1, /nodes\[1\]\.metadataGuard: must be/);
  const listing = await runCli(['validate', '-f', file]);
  assert.is(listing.code, 1);
  assert.match(listing.stderr, new RegExp(`${file.replaceAll('.', '\\.')}:16:20: nodes\\[1\\]\\.metadataGuard`));
});

test.run();
