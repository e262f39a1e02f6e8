// generate --layout json: one nodes.json holding every node's carrier files, read by
// a real JSON consumer (jq) and checked by cloud-init; the same bytes the per-node files
// layout writes for the same state; media built from either layout alike; and a summary
// of totals, not one row per node, for a fleet.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cloudInitSchema, decodeUserData } from '../helpers/cloud-init.ts';
import { runCli } from '../helpers/run-cli.ts';
import { needing } from '../helpers/tools.ts';

const WORKERS = 60;

const SPEC = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: fleet
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.5:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
agent:
  amd64: {url: "https://example.com/kubeseed-boot-linux-amd64", sha512: ${'ab'.repeat(64)}}
nodes:
  - {name: cp-1, role: control-plane, address: 10.0.0.11, network: {prefixLength: 24, gateway: 10.0.0.1}}
  - {name: cp-2, role: control-plane, address: 10.0.0.12}
  - {name: cp-3, role: control-plane, address: 10.0.0.13}
  - {name: ign-1, role: worker, address: 10.0.0.14, carrier: ignition}
${Array.from({ length: WORKERS }, (_, i) => `  - {name: w-${i + 1}, role: worker, address: 10.0.1.${i + 1}}`).join('\n')}
`;

interface Context {
  dir: string;
  files: string;
  json: string;
  stdout: string;
}

const test = suite<Context>('fleet: generate --layout json');
const withTools = needing(test, { tools: ['jq', 'cloud-init'] });

test.before(async (context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'kubeseed-fleet-json-'));
  context.files = join(context.dir, 'files');
  context.json = join(context.dir, 'json');
  const spec = join(context.dir, 'cluster.yaml');
  const state = join(context.dir, 'state');
  writeFileSync(spec, SPEC);
  const files = await runCli(['generate', '-f', spec, '-o', context.files, '--state', state]);
  assert.is(files.code, 0, files.stderr);
  const json = await runCli(['generate', '-f', spec, '-o', context.json, '--state', state, '--layout', 'json']);
  assert.is(json.code, 0, json.stderr);
  context.stdout = json.stdout;
});
test.after(({ dir }) => rmSync(dir, { recursive: true, force: true }));

function jq(filter: string, file: string): string {
  return execFileSync('jq', ['-r', '--join-output', filter, file], { encoding: 'utf8' });
}

withTools(
  "jq reads each node's carrier files from nodes.json: the bytes the files layout writes",
  ({ files, json }) => {
    const nodesJson = join(json, 'nodes.json');
    for (const node of ['cp-1', 'cp-3', 'w-1', `w-${WORKERS}`]) {
      for (const name of ['user-data', 'meta-data', 'network-config']) {
        const content = jq(`.nodes["${node}"].content["${name}"]`, nodesJson);
        assert.is(content, readFileSync(join(files, 'nodes', node, name), 'utf8'), `${node} ${name}`);
      }
    }
    const ignition = jq('.nodes["ign-1"].content["config.ign"]', nodesJson);
    assert.is(ignition, readFileSync(join(files, 'nodes/ign-1/config.ign'), 'utf8'));
    assert.is(jq('.layout', nodesJson), 'json');
    assert.is(jq('.nodes["w-7"].files', nodesJson), 'null');
    assert.is(jq('.nodes["w-7"].carrier', nodesJson), 'cloud-init');
  },
);

withTools('cloud-init schema accepts the user-data in the entries', ({ json }) => {
  const nodesJson = join(json, 'nodes.json');
  for (const node of ['cp-1', 'w-2']) {
    cloudInitSchema(decodeUserData(Buffer.from(jq(`.nodes["${node}"].content["user-data"]`, nodesJson))));
  }
});

test('no per-node files; nodes.json, which now holds bundles, is 0600; admin.conf beside it', ({ json }) => {
  assert.not.ok(existsSync(join(json, 'nodes')));
  assert.is(statSync(join(json, 'nodes.json')).mode & 0o777, 0o600);
  assert.ok(existsSync(join(json, 'admin.conf')));
});

test('media seed makes the same ISO from either layout', async ({ dir, files, json }) => {
  const fromFiles = join(dir, 'from-files.iso');
  const fromJson = join(dir, 'from-json.iso');
  const a = await runCli(['media', 'seed', '--node', 'w-3', '--from', files, '-o', fromFiles]);
  const b = await runCli(['media', 'seed', '--node', 'w-3', '--from', json, '-o', fromJson]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  assert.ok(readFileSync(fromFiles).equals(readFileSync(fromJson)));
});

test('above 50 nodes the summary shows totals per role and carrier, not a row per node', ({ stdout }) => {
  assert.match(stdout, /ROLE\s+CARRIER\s+NODES/);
  assert.match(stdout, new RegExp(`worker\\s+cloud-init\\s+${WORKERS}\\s`));
  assert.match(stdout, /control-plane\s+cloud-init\s+3\s/);
  assert.match(stdout, /worker\s+ignition\s+1\s/);
  assert.not.match(stdout, /w-17/);
  assert.match(stdout, /64 nodes: each one's row is in /);
});

test('an unknown layout is a usage error, and nothing is written', async ({ dir }) => {
  const out = join(dir, 'never');
  const result = await runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', out, '--layout', 'xml']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /--layout xml is unknown; expected one of: files, json/);
  assert.not.ok(existsSync(out));
});

test.run();
