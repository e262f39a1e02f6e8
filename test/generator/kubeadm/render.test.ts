import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { KubeseedError } from '../../../core/errors.ts';
import { renderKubeadmConfig } from '../../../generator/kubeadm/render.ts';
import { checkDocument } from '../../../generator/kubeadm/v1beta4-schema.ts';
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
    labels: {},
    sshAuthorizedKeys: [],
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
    pki: { algorithm: 'RSA-2048', caValidityHours: 87600, certValidityHours: 8760 },
    tokens: { ttlSeconds: 86400 },
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
const ECDSA = cluster({ pki: { algorithm: 'ECDSA-P256', caValidityHours: 87600, certValidityHours: 8760 } });
const ECDSA_P384 = cluster({
  kubernetesVersion: '1.34.1',
  kubernetesMinor: '1.34',
  pki: { algorithm: 'ECDSA-P384', caValidityHours: 87600, certValidityHours: 8760 },
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

const schema = suite('kubeadm documents pass the v1beta4 schema');

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

for (const [label, spec, name] of EVERY_RENDERING) {
  schema(`${label}: every document checks clean`, () => {
    const docs = renderDocs(spec, name);
    assert.ok(docs.length > 0);
    for (const doc of docs) assert.equal(checkDocument(doc), [], `${label} ${doc.kind}`);
  });
}

schema('a misspelled field fails the check', () => {
  const [init] = renderDocs(cluster(), 'cp-1') as [Doc];
  const [first] = init.nodeRegistration.kubeletExtraArgs;
  init.nodeRegistration.kubeletExtraArgs[0] = { nme: first.name, value: first.value };
  assert.equal(checkDocument(init), ['InitConfiguration.nodeRegistration.kubeletExtraArgs[0].nme: unknown field']);
});

schema('wrong types, bad durations and unknown documents fail the check', () => {
  const [init, clusterConfig] = renderDocs(cluster(), 'cp-1') as [Doc, Doc];
  init.localAPIEndpoint.bindPort = '6443';
  init.bootstrapTokens[0].ttl = '24 hours';
  assert.equal(checkDocument(init), [
    'InitConfiguration.bootstrapTokens[0].ttl: "24 hours" is not a Go duration (e.g. 24h0m0s)',
    'InitConfiguration.localAPIEndpoint.bindPort: expected integer, got string',
  ]);
  clusterConfig.encryptionAlgorithm = 'ECDSA-P521';
  assert.equal(checkDocument(clusterConfig), [
    'ClusterConfiguration.encryptionAlgorithm: "ECDSA-P521" is not one of RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384',
  ]);
  assert.equal(checkDocument({ apiVersion: 'kubeadm.k8s.io/v1beta3', kind: 'InitConfiguration' }), [
    'InitConfiguration: unknown document type kubeadm.k8s.io/v1beta3 InitConfiguration',
  ]);
  assert.equal(checkDocument(['not', 'a', 'mapping']), ['(document): expected a mapping']);
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
  assert.equal(checkDocument(doc), []);
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
  assert.equal(checkDocument(join), []);
  const bad = { ...join, nodeRegistration: { imagePullPolicy: 'Sometimes' } };
  assert.equal(checkDocument(bad), [
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

output('the same input renders byte-identical output', () => {
  for (const [label, spec, name] of EVERY_RENDERING) assert.is(render(spec, name), render(spec, name), label);
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
