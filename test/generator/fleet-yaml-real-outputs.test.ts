// The proof the fast YAML writer (core/yaml-stringify.ts) may be used: every YAML document
// a real generate writes — node bundles, the kubeadm configs inside them, user-data,
// meta-data, network-config, for every carrier, role, arch, label, taint and network form
// the spec allows — is byte for byte what the yaml library writes for the same value, and
// each was written by the fast path itself, not by its fallback to yaml.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseBundle, renderBundle } from '../../core/node-bundle.ts';
import { fastYaml, type YamlTextOptions } from '../../core/yaml-stringify.ts';
import { CLOUD_CONFIG_HEADER } from '../../generator/carriers/cloud-init.ts';
import { decodeUserData } from '../helpers/cloud-init.ts';
import { runCli } from '../helpers/run-cli.ts';

// Labels and taints with the strings a YAML 1.1 reader would retype (yes, on, 0600, 1_000, 1e3),
// static and DHCP networks, both carriers, both arches, ssh keys with spaces and '=='; the
// cloud-init nodes are stock images (their user-data fetches the agent).
const SPEC = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: proof
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.5:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
podNetwork: flannel
agent:
  amd64: {url: "https://example.com/kubeseed-boot-linux-amd64", sha512: ${'ab'.repeat(64)}}
  arm64: {url: "https://example.com/kubeseed-boot-linux-arm64", sha512: ${'cd'.repeat(64)}}
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
    network: {prefixLength: 24, gateway: 10.0.0.1, nameservers: [10.0.0.1, 1.1.1.1]}
    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0== ops@example", "ssh-rsa AAAAB3Nz key #2"]
  - name: cp-2
    role: control-plane
    address: 10.0.0.12
    arch: arm64
  - name: cp-3
    role: control-plane
    address: 10.0.0.13
    carrier: ignition
  - name: w-1
    role: worker
    address: 10.0.0.21
    labels: {example.com/enabled: "yes", example.com/mode: "on", example.com/perm: "0600", example.com/at: "1_000", example.com/e: "1e3"}
    taints:
      - {key: example.com/edge, value: "true", effect: NoSchedule}
      - {key: example.com/pool, effect: PreferNoSchedule}
  - name: w-2
    role: worker
    arch: arm64
    labels: {example.com/pool: "null"}
  - name: w-3
    role: worker
    address: 10.0.0.23
    carrier: ignition
`;

const test = suite<{ dir: string; out: string }>('fleet: the fast YAML writer over real generate outputs');

test.before(async (context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'kubeseed-fleet-yaml-'));
  context.out = join(context.dir, 'out');
  writeFileSync(join(context.dir, 'cluster.yaml'), SPEC);
  const result = await runCli(['generate', '-f', join(context.dir, 'cluster.yaml'), '-o', context.out]);
  assert.is(result.code, 0, result.stderr);
});
test.after(({ dir }) => rmSync(dir, { recursive: true, force: true }));

/** `text` is what both the fast path and yaml write for the value it holds. */
function assertYamlText(text: string, options: YamlTextOptions, what: string): void {
  const value = parse(text, options);
  assert.is(stringify(value, { ...options, lineWidth: 0 }), text, `${what}: yaml writes it otherwise`);
  assert.is(fastYaml(value, options), text, `${what}: the fast path wrote it otherwise, or not at all`);
}

test('every bundle, kubeadm config, user-data, meta-data and network-config', ({ out }) => {
  const nodes = readdirSync(join(out, 'nodes'));
  assert.equal(nodes.sort(), ['cp-1', 'cp-2', 'cp-3', 'w-1', 'w-2', 'w-3']);
  let documents = 0;
  for (const node of nodes) {
    const dir = join(out, 'nodes', node);
    const bundleText = readFileSync(join(dir, 'node.yaml'), 'utf8');
    assertYamlText(bundleText, { blockQuote: 'literal' }, `${node}/node.yaml`);
    const kubeadm = parseBundle(bundleText).kubeadm.config;
    const parts = kubeadm.split(/^---\n/m);
    assert.is(parts.length, parseAllDocuments(kubeadm).length, `${node}: kubeadm documents`);
    for (const [index, part] of parts.entries()) assertYamlText(part, { version: '1.1' }, `${node} kubeadm #${index}`);
    documents += 1 + parts.length;
    const files = readdirSync(dir);
    if (files.includes('user-data')) {
      const userData = decodeUserData(readFileSync(join(dir, 'user-data')));
      assert.ok(userData.startsWith(CLOUD_CONFIG_HEADER), `${node}/user-data header`);
      assertYamlText(userData.slice(CLOUD_CONFIG_HEADER.length), {}, `${node}/user-data`);
      assertYamlText(readFileSync(join(dir, 'meta-data'), 'utf8'), {}, `${node}/meta-data`);
      assertYamlText(readFileSync(join(dir, 'network-config'), 'utf8'), {}, `${node}/network-config`);
      documents += 3;
    } else {
      assert.ok(files.includes('config.ign'), `${node}: a carrier`);
    }
  }
  assert.ok(documents >= 6 * 4, `${documents} documents checked`);
});

// generate writes bundles without checking each again (renderCheckedBundle): each must be
// a valid bundle already in the schema's form, the text renderBundle makes after checking it.
test('every bundle is valid and in the form the checked render gives', ({ out }) => {
  for (const node of readdirSync(join(out, 'nodes'))) {
    const text = readFileSync(join(out, 'nodes', node, 'node.yaml'), 'utf8');
    assert.is(renderBundle(parseBundle(text)), text, `${node}/node.yaml`);
  }
});

test('the labels a YAML 1.1 reader would retype stay strings in the kubeadm config', ({ out }) => {
  const config = parseBundle(readFileSync(join(out, 'nodes/w-1/node.yaml'), 'utf8')).kubeadm.config;
  assert.match(config, /example\.com\/enabled=yes/);
  const values = parseAllDocuments(config, { version: '1.1' }).map((document) => document.toJS());
  assert.ok(JSON.stringify(values).includes('example.com/enabled=yes'));
});

test.run();
