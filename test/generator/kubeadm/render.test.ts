import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { KubeseedError } from '../../../core/errors.ts';
import { checkDocument, documentProvenance } from '../../../generator/kubeadm/documents.ts';
import { renderKubeadmConfig } from '../../../generator/kubeadm/render.ts';
import { compareMinors, MINORS, type Minor } from '../../../generator/kubeadm/upstream.ts';
import type { ClusterSpec, NodeSpec } from '../../../generator/spec/types.ts';

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML documents are walked by field name in assertions
type Doc = Record<string, any>;

const TOKEN = { id: 'abcdef', secret: '0123456789abcdef' };
const TOKEN_TEXT = 'abcdef.0123456789abcdef';
const HASH = `sha256:${'0a'.repeat(32)}`;

function node(name: string, bootstrap: NodeSpec['bootstrap'], extra: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name,
    role: bootstrap === 'worker' ? 'worker' : 'control-plane',
    bootstrap,
    arch: 'amd64',
    carrier: 'cloud-init',
    machineImage: 'prepared',
    labels: {},
    sshAuthorizedKeys: [],
    metadataGuard: true,
    ...extra,
  };
}

const HA_NODES = [
  node('cp-1', 'init', { address: '10.0.0.11', labels: { zone: 'a', 'app.example.com/tier': 'edge' } }),
  node('cp-2', 'control-plane', { address: '10.0.0.12' }),
  node('cp-3', 'control-plane'),
  node('worker-1', 'worker', { address: '10.0.0.21', labels: { disk: 'ssd' } }),
];

function cluster(overrides: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    name: 'demo',
    kubernetesVersion: '1.33.2',
    kubernetesMinor: '1.33',
    controlPlaneEndpoint: { host: 'k8s.example.com', port: 6443 },
    networking: { podSubnets: ['10.244.0.0/16'], serviceSubnets: ['10.96.0.0/12'], dnsDomain: 'cluster.local' },
    pki: { algorithm: 'RSA-2048', caValidityHours: 87600, certValidityHours: 8760, adminValidityHours: 8760 },
    tokens: { ttlSeconds: 86400 },
    maintenance: { etcdSnapshots: { everyHours: 12, keep: 5 } },
    podNetwork: 'flannel',
    registries: [],
    imageArchives: [],
    nodes: HA_NODES,
    ...overrides,
  };
}

const SINGLE = cluster({ nodes: [node('solo', 'init', { address: '192.168.1.5' })] });
const DUAL_STACK = cluster({
  controlPlaneEndpoint: { host: 'fd00::10', port: 6443 },
  networking: {
    podSubnets: ['10.244.0.0/16', 'fd00:10:244::/56'],
    serviceSubnets: ['10.96.0.0/16', 'fd00:10:96::/112'],
    dnsDomain: 'cluster.local',
  },
  nodes: [node('cp-1', 'init', { address: 'fd00::11' }), node('worker-1', 'worker', { address: 'fd00::21' })],
});
const ECDSA = cluster({
  pki: { algorithm: 'ECDSA-P256', caValidityHours: 87600, certValidityHours: 8760, adminValidityHours: 8760 },
});
const ECDSA_P384 = cluster({
  kubernetesVersion: '1.34.1',
  kubernetesMinor: '1.34',
  pki: { algorithm: 'ECDSA-P384', caValidityHours: 87600, certValidityHours: 8760, adminValidityHours: 8760 },
});

function render(spec: ClusterSpec, name: string): string {
  const target = spec.nodes.find((candidate) => candidate.name === name);
  if (!target) throw new Error(`no node ${name}`);
  return renderKubeadmConfig({ spec, node: target, token: TOKEN, caCertHash: HASH });
}

// kubeadm reads with go-yaml, a YAML 1.1 parser.
function documents(text: string): Doc[] {
  return parseAllDocuments(text, { version: '1.1' }).map((document) => {
    assert.equal(document.errors, []);
    return document.toJS() as Doc;
  });
}

function renderDocs(spec: ClusterSpec, name: string): Doc[] {
  return documents(render(spec, name));
}

function kinds(docs: Doc[]): string[] {
  return docs.map((doc) => String(doc.kind));
}

const schema = suite('kubeadm documents pass the declared upstream types of every supported minor');

const EVERY_RENDERING: [string, ClusterSpec, string][] = [
  ['init', cluster(), 'cp-1'],
  ['control-plane join', cluster(), 'cp-2'],
  ['control-plane join without address', cluster(), 'cp-3'],
  ['worker', cluster(), 'worker-1'],
  ['single node without workers', SINGLE, 'solo'],
  ['dual-stack init', DUAL_STACK, 'cp-1'],
  ['dual-stack worker', DUAL_STACK, 'worker-1'],
  ['ECDSA-P256 init', ECDSA, 'cp-1'],
  ['ECDSA-P384 init', ECDSA_P384, 'cp-1'],
];

function atMinor(spec: ClusterSpec, minor: Minor): ClusterSpec {
  return { ...spec, kubernetesVersion: `${minor}.0`, kubernetesMinor: minor };
}

/**
 * Every field path a document sets, in the provenance listing's notation (`a.b[].c`); the keys
 * of a map-typed field (feature gates, eviction thresholds) are values, not fields.
 */
function fieldPaths(value: unknown, types: Map<string, string>, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => fieldPaths(item, types, `${prefix}[]`));
  if (typeof value !== 'object' || value === null || types.get(prefix)?.startsWith('map[')) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...fieldPaths(item, types, path)];
  });
}

for (const minor of MINORS) {
  schema(`${minor}: every rendering checks clean, and every field it sets has an upstream source for ${minor}`, () => {
    const listings = new Map<string, Map<string, { source: string; type: string }>>();
    let checked = 0;
    for (const [label, spec, name] of EVERY_RENDERING) {
      if (spec.pki.algorithm === 'ECDSA-P384' && compareMinors(minor, '1.34') < 0) continue;
      const docs = renderDocs(atMinor(spec, minor), name);
      assert.ok(docs.length > 0, label);
      for (const doc of docs) {
        assert.equal(checkDocument(doc, minor), [], `${label} ${doc.kind}`);
        if (!listings.has(doc.kind))
          listings.set(doc.kind, new Map(documentProvenance(doc.kind, minor).map((field) => [field.path, field])));
        const known = listings.get(doc.kind)!;
        const types = new Map([...known].map(([path, field]) => [path, field.type]));
        const { apiVersion: _apiVersion, kind: _kind, ...fields } = doc;
        for (const path of fieldPaths(fields, types)) {
          assert.match(
            known.get(path)?.source ?? '',
            / @ /,
            `${label} ${doc.kind}.${path}: no upstream source for ${minor}`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked > 50, `only ${checked} fields checked`);
  });
}

schema('a field is listed with the upstream file and the ref it was read at, for each minor', () => {
  const kubelet = (minor: Minor) =>
    new Map(documentProvenance('KubeletConfiguration', minor).map((field) => [field.path, field]));
  assert.is(kubelet('1.36').get('tlsCurvePreferences')?.source, 'kubernetes/kubelet config/v1beta1/types.go @ v0.36.0');
  assert.not.ok(kubelet('1.35').has('tlsCurvePreferences'), 'tlsCurvePreferences is a 1.36 field');
  assert.is(kubelet('1.33').get('userNamespaces.idsPerPod')?.declaredIn, 'UserNamespaces');
  assert.is(kubelet('1.31').get('cgroupDriver')?.source, 'kubernetes/kubelet config/v1beta1/types.go @ v0.31.0');
  const init = documentProvenance('InitConfiguration', '1.34');
  const effect = init.find((field) => field.path === 'nodeRegistration.taints[].effect');
  assert.is(effect?.source, 'kubernetes/api core/v1/types.go @ v0.34.0');
  assert.is(
    init.find((field) => field.path === 'bootstrapTokens[].token')?.source.split(' @ ')[0],
    'kubernetes/kubernetes cmd/kubeadm/app/apis/bootstraptoken/v1/types.go',
  );
  for (const minor of MINORS) {
    const proxy = documentProvenance('KubeProxyConfiguration', minor).map((field) => field.path);
    assert.ok(proxy.includes('windowsRunAsService'), minor);
    assert.not.ok(proxy.includes('serviceProxyName'), `${minor}: serviceProxyName is in no kube-proxy tag`);
    assert.not.ok(proxy.includes('nftables.tableName'), `${minor}: nftables.tableName is in no kube-proxy tag`);
  }
});

schema('fields, values and feature gates are checked against the minor that decodes them', () => {
  const kubelet = { apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration' };
  assert.equal(checkDocument({ ...kubelet, mergeDefaultEvictionSettings: true }, '1.33'), []);
  assert.equal(checkDocument({ ...kubelet, mergeDefaultEvictionSettings: true }, '1.32'), [
    'KubeletConfiguration.mergeDefaultEvictionSettings: unknown field in 1.32 (added in 1.33)',
  ]);
  const clusterDoc = { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration' };
  assert.equal(checkDocument({ ...clusterDoc, encryptionAlgorithm: 'ECDSA-P384' }, '1.33'), [
    'ClusterConfiguration.encryptionAlgorithm: "ECDSA-P384" is not one of RSA-2048, RSA-3072, RSA-4096, ECDSA-P256 in 1.33 (added in 1.34)',
  ]);
  const gates = (featureGates: Record<string, boolean>) => ({ ...clusterDoc, featureGates });
  assert.equal(checkDocument(gates({ ControlPlaneKubeletLocalMode: true }), '1.35'), []);
  assert.equal(checkDocument(gates({ ControlPlaneKubeletLocalMode: true }), '1.36'), [
    'ClusterConfiguration.featureGates: ControlPlaneKubeletLocalMode is not a valid feature name in 1.36 (removed in 1.36)',
  ]);
  assert.equal(checkDocument(gates({ NodeLocalCRISocket: true }), '1.31'), [
    'ClusterConfiguration.featureGates: NodeLocalCRISocket is not a valid feature name in 1.31 (added in 1.32)',
  ]);
  assert.equal(checkDocument(gates({ NoSuchGate: true }), '1.34'), [
    'ClusterConfiguration.featureGates: NoSuchGate is not a valid feature name',
  ]);
  const proxy = { apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration' };
  assert.equal(checkDocument({ ...proxy, serviceProxyName: 'x' }, '1.34'), [
    'KubeProxyConfiguration.serviceProxyName: unknown field',
  ]);
  assert.equal(checkDocument({ ...proxy, windowsRunAsService: false }, '1.31'), []);
});

schema('a misspelled field fails the check', () => {
  const [init] = renderDocs(cluster(), 'cp-1') as [Doc];
  const [first] = init.nodeRegistration.kubeletExtraArgs;
  init.nodeRegistration.kubeletExtraArgs[0] = { nme: first.name, value: first.value };
  assert.equal(checkDocument(init, '1.33'), [
    'InitConfiguration.nodeRegistration.kubeletExtraArgs[0].nme: unknown field',
  ]);
});

schema('wrong types, bad durations and unknown documents fail the check', () => {
  const [init, clusterConfig] = renderDocs(cluster(), 'cp-1') as [Doc, Doc];
  init.localAPIEndpoint.bindPort = '6443';
  init.bootstrapTokens[0].ttl = '24 hours';
  assert.equal(checkDocument(init, '1.33'), [
    'InitConfiguration.bootstrapTokens[0].ttl: "24 hours" is not a Go duration (e.g. 24h0m0s)',
    'InitConfiguration.localAPIEndpoint.bindPort: expected integer, got string',
  ]);
  clusterConfig.encryptionAlgorithm = 'ECDSA-P521';
  assert.equal(checkDocument(clusterConfig, '1.34'), [
    'ClusterConfiguration.encryptionAlgorithm: "ECDSA-P521" is not one of RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384',
  ]);
  assert.equal(checkDocument({ apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'InitConfiguration' }, '1.33'), [
    'InitConfiguration: no kind "InitConfiguration" is registered for version "kubeadm.k8s.io/v1beta3"',
  ]);
  assert.equal(checkDocument(['not', 'a', 'mapping'], '1.33'), ['(document): expected a mapping']);
});

schema('the checker also knows kubeadm fields nothing renders yet', () => {
  const doc = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    imageRepository: 'mirror.example.com/k8s',
    etcd: { local: { dataDir: '/var/lib/etcd', extraArgs: [{ name: 'quota-backend-bytes', value: '8589934592' }] } },
    apiServer: {
      extraArgs: [{ name: 'audit-log-maxage', value: '7' }],
      extraEnvs: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
    },
    dns: { disabled: false },
    proxy: { disabled: false },
  };
  assert.equal(checkDocument(doc, '1.33'), []);
  const join = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'JoinConfiguration',
    nodeRegistration: {
      imagePullPolicy: 'Never',
      imagePullSerial: false,
      ignorePreflightErrors: ['DirAvailable--etc-kubernetes-manifests'],
    },
    discovery: { bootstrapToken: { token: TOKEN_TEXT, apiServerEndpoint: '10.0.0.10:6443', caCertHashes: [HASH] } },
    timeouts: { discovery: '10m0s' },
  };
  assert.equal(checkDocument(join, '1.33'), []);
  const bad = { ...join, nodeRegistration: { imagePullPolicy: 'Sometimes' } };
  assert.equal(checkDocument(bad, '1.33'), [
    'JoinConfiguration.nodeRegistration.imagePullPolicy: "Sometimes" is not one of Always, IfNotPresent, Never',
  ]);
});

schema.run();

const init = suite('kubeadm init configuration');

init('init renders Init, Cluster, Kubelet and KubeProxy documents in that order', () => {
  const docs = renderDocs(cluster(), 'cp-1');
  assert.equal(kinds(docs), [
    'InitConfiguration',
    'ClusterConfiguration',
    'KubeletConfiguration',
    'KubeProxyConfiguration',
  ]);
  assert.equal(
    docs.map((doc) => doc.apiVersion),
    [
      'kubeadm.k8s.io/v1beta4',
      'kubeadm.k8s.io/v1beta4',
      'kubelet.config.k8s.io/v1beta1',
      'kubeproxy.config.k8s.io/v1alpha1',
    ],
  );
});

init('the bootstrap token, its TTL, usages and group', () => {
  const [doc] = renderDocs(cluster(), 'cp-1') as [Doc];
  assert.equal(doc.bootstrapTokens, [
    {
      token: TOKEN_TEXT,
      description: 'kubeseed: lets the nodes of cluster demo join',
      ttl: '24h0m0s',
      usages: ['signing', 'authentication'],
      groups: ['system:bootstrappers:kubeadm:default-node-token'],
    },
  ]);
  const [never] = renderDocs(cluster({ tokens: { ttlSeconds: 0 } }), 'cp-1') as [Doc];
  assert.is(never.bootstrapTokens[0].ttl, '0s');
  const [odd] = renderDocs(cluster({ tokens: { ttlSeconds: 5400 } }), 'cp-1') as [Doc];
  assert.is(odd.bootstrapTokens[0].ttl, '1h30m0s');
});

init('node registration: CRI socket, node-ip and sorted node-labels as a list of name/value', () => {
  const [doc] = renderDocs(cluster(), 'cp-1') as [Doc];
  assert.equal(doc.nodeRegistration, {
    name: 'cp-1',
    criSocket: 'unix:///var/run/containerd/containerd.sock',
    kubeletExtraArgs: [
      { name: 'node-ip', value: '10.0.0.11' },
      { name: 'node-labels', value: 'app.example.com/tier=edge,zone=a' },
    ],
  });
  assert.equal(doc.localAPIEndpoint, { advertiseAddress: '10.0.0.11', bindPort: 6443 });
});

init('without an address there is no node-ip and no localAPIEndpoint', () => {
  const spec = cluster({ nodes: [node('cp-1', 'init'), node('worker-1', 'worker')] });
  const [doc] = renderDocs(spec, 'cp-1') as [Doc];
  assert.equal(doc.nodeRegistration, { name: 'cp-1', criSocket: 'unix:///var/run/containerd/containerd.sock' });
  assert.not.ok('localAPIEndpoint' in doc);
});

init('cluster configuration values', () => {
  const [, doc] = renderDocs(cluster(), 'cp-1') as [Doc, Doc];
  assert.equal(doc, {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    clusterName: 'demo',
    kubernetesVersion: 'v1.33.2',
    controlPlaneEndpoint: 'k8s.example.com:6443',
    networking: { podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12', dnsDomain: 'cluster.local' },
    apiServer: { certSANs: ['10.0.0.11', '10.0.0.12', 'k8s.example.com'] },
    encryptionAlgorithm: 'RSA-2048',
    certificateValidityPeriod: '8760h0m0s',
    caCertificateValidityPeriod: '87600h0m0s',
  });
});

init('certSANs are deduplicated when the endpoint is a control plane address', () => {
  const spec = cluster({ controlPlaneEndpoint: { host: '10.0.0.12', port: 6443 } });
  const [, doc] = renderDocs(spec, 'cp-1') as [Doc, Doc];
  assert.equal(doc.apiServer.certSANs, ['10.0.0.11', '10.0.0.12']);
});

init('kubelet uses the systemd cgroup driver and kube-proxy gets the pod subnets', () => {
  const [, , kubelet, proxy] = renderDocs(cluster(), 'cp-1') as [Doc, Doc, Doc, Doc];
  assert.equal(kubelet, {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
  });
  assert.equal(proxy, {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clusterCIDR: '10.244.0.0/16',
  });
});

init('dual-stack subnets are joined with a comma and IPv6 endpoints bracketed', () => {
  const [initDoc, clusterDoc, , proxy] = renderDocs(DUAL_STACK, 'cp-1') as [Doc, Doc, Doc, Doc];
  assert.equal(clusterDoc.networking, {
    podSubnet: '10.244.0.0/16,fd00:10:244::/56',
    serviceSubnet: '10.96.0.0/16,fd00:10:96::/112',
    dnsDomain: 'cluster.local',
  });
  assert.is(clusterDoc.controlPlaneEndpoint, '[fd00::10]:6443');
  assert.equal(clusterDoc.apiServer.certSANs, ['fd00::10', 'fd00::11']);
  assert.is(proxy.clusterCIDR, '10.244.0.0/16,fd00:10:244::/56');
  assert.equal(initDoc.localAPIEndpoint, { advertiseAddress: 'fd00::11', bindPort: 6443 });
  const [worker] = renderDocs(DUAL_STACK, 'worker-1') as [Doc];
  assert.is(worker.discovery.bootstrapToken.apiServerEndpoint, '[fd00::10]:6443');
});

init('ECDSA clusters name their algorithm', () => {
  assert.is((renderDocs(ECDSA, 'cp-1')[1] as Doc).encryptionAlgorithm, 'ECDSA-P256');
  assert.is((renderDocs(ECDSA_P384, 'cp-1')[1] as Doc).encryptionAlgorithm, 'ECDSA-P384');
});

init.run();

const join = suite('kubeadm join configuration');

join('a control plane joins with token discovery pinned to the CA and no certificate key', () => {
  const text = render(cluster(), 'cp-2');
  const docs = documents(text);
  assert.equal(kinds(docs), ['JoinConfiguration']);
  const [doc] = docs as [Doc];
  assert.is(doc.apiVersion, 'kubeadm.k8s.io/v1beta4');
  assert.equal(doc.discovery, {
    bootstrapToken: { apiServerEndpoint: 'k8s.example.com:6443', token: TOKEN_TEXT, caCertHashes: [HASH] },
  });
  assert.equal(doc.controlPlane, { localAPIEndpoint: { advertiseAddress: '10.0.0.12', bindPort: 6443 } });
  assert.equal(doc.nodeRegistration.kubeletExtraArgs, [{ name: 'node-ip', value: '10.0.0.12' }]);
  assert.not.ok(text.includes('certificateKey'));
  assert.not.ok(text.includes('unsafeSkipCAVerification'));
});

join('a control plane without an address still joins as a control plane', () => {
  const [doc] = renderDocs(cluster(), 'cp-3') as [Doc];
  assert.equal(doc.controlPlane, {});
  assert.not.ok('kubeletExtraArgs' in doc.nodeRegistration);
});

join('a worker joins with discovery and registration only', () => {
  const text = render(cluster(), 'worker-1');
  const [doc] = documents(text) as [Doc];
  assert.equal(Object.keys(doc), ['apiVersion', 'kind', 'discovery', 'nodeRegistration']);
  assert.equal(doc.discovery.bootstrapToken.caCertHashes, [HASH]);
  assert.is(doc.discovery.bootstrapToken.token, TOKEN_TEXT);
  assert.equal(doc.nodeRegistration.kubeletExtraArgs, [
    { name: 'node-ip', value: '10.0.0.21' },
    { name: 'node-labels', value: 'disk=ssd' },
  ]);
  assert.not.ok(text.includes('certificateKey'));
  assert.not.ok(text.includes('unsafeSkipCAVerification'));
  assert.not.ok(text.includes('controlPlane:'));
});

join.run();

const taints = suite('kubeadm taints');

function taintsOf(spec: ClusterSpec, name: string): unknown {
  const [doc] = renderDocs(spec, name) as [Doc];
  return 'taints' in doc.nodeRegistration ? doc.nodeRegistration.taints : 'kubeadm default';
}

taints('with workers, unset taints keep kubeadm defaults on every node', () => {
  for (const name of ['cp-1', 'cp-2', 'cp-3', 'worker-1'])
    assert.is(taintsOf(cluster(), name), 'kubeadm default', name);
});

taints('a single node without workers is untainted explicitly', () => {
  assert.equal(taintsOf(SINGLE, 'solo'), []);
  assert.ok(render(SINGLE, 'solo').includes('taints: []\n'));
});

taints('control planes of a cluster without workers are all untainted', () => {
  const spec = cluster({
    nodes: [
      node('cp-1', 'init', { address: '10.0.0.11' }),
      node('cp-2', 'control-plane'),
      node('cp-3', 'control-plane'),
    ],
  });
  for (const name of ['cp-1', 'cp-2', 'cp-3']) assert.equal(taintsOf(spec, name), [], name);
});

taints('given taints are rendered as given, an empty list included', () => {
  const spec = cluster({
    nodes: [
      node('cp-1', 'init', { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }] }),
      node('cp-2', 'control-plane', { taints: [] }),
      node('worker-1', 'worker', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] }),
    ],
  });
  assert.equal(taintsOf(spec, 'cp-1'), [{ key: 'dedicated', value: 'infra', effect: 'NoExecute' }]);
  assert.equal(taintsOf(spec, 'cp-2'), []);
  assert.equal(taintsOf(spec, 'worker-1'), [{ key: 'gpu', effect: 'NoSchedule' }]);
  const lone = cluster({ nodes: [node('solo', 'init', { taints: [{ key: 'maintenance', effect: 'NoSchedule' }] })] });
  assert.equal(taintsOf(lone, 'solo'), [{ key: 'maintenance', effect: 'NoSchedule' }]);
});

taints.run();

const output = suite('kubeadm rendering output');

// A second process: state kept between calls in one process (a cache, an iteration order
// that depends on earlier calls) cannot make two runs agree there.
const OTHER_PROCESS = `
  const { renderKubeadmConfig } = await import(${JSON.stringify(import.meta.resolve('../../../generator/kubeadm/render.ts'))});
  const cases = JSON.parse(process.argv[1]);
  process.stdout.write(JSON.stringify(cases.map((input) => renderKubeadmConfig(input))));
`;

output('the same input renders byte-identical output in another process', () => {
  const inputs = EVERY_RENDERING.map(([, spec, name]) => ({
    spec,
    node: spec.nodes.find((candidate) => candidate.name === name)!,
    token: TOKEN,
    caCertHash: HASH,
  }));
  const child = spawnSync(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', OTHER_PROCESS, JSON.stringify(inputs)],
    { encoding: 'utf8' },
  );
  assert.is(child.status, 0, child.stderr);
  const there = JSON.parse(child.stdout) as string[];
  assert.is(there.length, EVERY_RENDERING.length);
  for (const [index, [label, spec, name]] of EVERY_RENDERING.entries())
    assert.is(there[index], render(spec, name), label);
});

output('label insertion order does not change the output', () => {
  const a = cluster({ nodes: [node('cp-1', 'init', { labels: { b: '2', a: '1' } })] });
  const b = cluster({ nodes: [node('cp-1', 'init', { labels: { a: '1', b: '2' } })] });
  assert.is(render(a, 'cp-1'), render(b, 'cp-1'));
});

output('documents are separated by --- and values YAML 1.1 would misread are quoted', () => {
  const spec = cluster({ name: 'on', nodes: [node('yes', 'init')] });
  const text = render(spec, 'yes');
  assert.is(text.split('---\n').length, 4);
  const [doc] = documents(text) as [Doc];
  assert.is(doc.nodeRegistration.name, 'yes');
  assert.ok(text.includes('name: "yes"'));
});

output('a malformed token or hash is refused without echoing the secret', () => {
  const spec = cluster();
  const target = spec.nodes[0]!;
  const secret = 'NOT-A-SECRET-1234';
  try {
    renderKubeadmConfig({ spec, node: target, token: { id: 'abcdef', secret }, caCertHash: 'sha256:xyz' });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, KubeseedError);
    const failure = error as KubeseedError;
    assert.is(failure.code, 'invalid-state');
    assert.equal(
      failure.problems.map((problem) => problem.path),
      ['token.secret', 'caCertHash'],
    );
    assert.not.ok(JSON.stringify({ message: failure.message, problems: failure.problems }).includes(secret));
  }
});

output.run();
