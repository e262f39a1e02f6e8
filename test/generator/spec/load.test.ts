import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatProblem, KubeseedError, type Problem } from '../../../core/errors.ts';
import { loadSpec } from '../../../generator/spec/load.ts';

const BASE = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: demo
kubernetesVersion: 1.33.2
controlPlaneEndpoint: 10.0.0.10:6443
networking:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
pki:
  algorithm: RSA-2048
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.10
  - name: worker-1
    role: worker
    address: 10.0.0.21
machineImage: prepared
`;

async function problemsOf(text: string): Promise<Problem[]> {
  try {
    await loadSpec(text);
  } catch (error) {
    if (error instanceof KubeseedError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the spec to be rejected');
}

const valid = suite('cluster spec: valid input');

valid('the example in examples/ loads, with defaults applied', async () => {
  const { spec, warnings } = await loadSpec(
    readFileSync(new URL('../../../examples/cluster.yaml', import.meta.url), 'utf8'),
  );
  assert.is(spec.name, 'homelab');
  assert.equal(
    spec.nodes.map((node) => node.bootstrap),
    ['init', 'worker', 'worker'],
  );
  assert.equal(spec.controlPlaneEndpoint, { host: '192.168.50.10', port: 6443 });
  assert.equal(warnings, []);
});

valid('defaults: endpoint from the single control plane, service subnet, dns domain, validity, ttl', async () => {
  const text = BASE.replace('controlPlaneEndpoint: 10.0.0.10:6443\n', '')
    .replace('  serviceSubnet: 10.96.0.0/12\n', '')
    .replace('pki:\n  algorithm: RSA-2048\n', '');
  const { spec } = await loadSpec(text);
  assert.equal(spec.controlPlaneEndpoint, { host: '10.0.0.10', port: 6443 });
  assert.equal(spec.networking, {
    podSubnets: ['10.244.0.0/16'],
    serviceSubnets: ['10.96.0.0/12'],
    dnsDomain: 'cluster.local',
  });
  assert.equal(spec.pki, {
    algorithm: 'RSA-2048',
    caValidityHours: 87600,
    certValidityHours: 8760,
    adminValidityHours: 8760,
  });
  assert.is(spec.tokens.ttlSeconds, 86400);
  assert.equal(spec.maintenance, { etcdSnapshots: { everyHours: 12, keep: 5 } });
  assert.is(spec.nodes[0]!.arch, 'amd64');
  assert.is(spec.nodes[0]!.carrier, 'cloud-init');
  assert.is(spec.nodes[0]!.taints, undefined);
});

valid('the first control plane initialises, later control planes join', async () => {
  const text = BASE.replace(
    'nodes:\n',
    'nodes:\n  - name: worker-0\n    role: worker\n  - name: cp-0\n    role: control-plane\n',
  );
  const { spec } = await loadSpec(text);
  assert.equal(
    spec.nodes.map((node) => `${node.name}:${node.bootstrap}`),
    ['worker-0:worker', 'cp-0:init', 'cp-1:control-plane', 'worker-1:worker'],
  );
});

// flannel's is the only pod network template, and it is IPv4-only: dual-stack subnets are
// well formed and the bracketed IPv6 endpoint is fine, but the pod network refuses them.
valid(
  'dual-stack subnets and a bracketed IPv6 endpoint: only the IPv4-only pod network (flannel) is named',
  async () => {
    const text = BASE.replace('podSubnet: 10.244.0.0/16', 'podSubnet: 10.244.0.0/16,fd00:10:244::/56')
      .replace('serviceSubnet: 10.96.0.0/12', 'serviceSubnet: 10.96.0.0/12,fd00:10:96::/112')
      .replace('controlPlaneEndpoint: 10.0.0.10:6443', 'controlPlaneEndpoint: "[2001:db8::10]:6443"');
    assert.is.not(text, BASE);
    assert.match(text, 'fd00:10:96::/112');
    const problems = await (async () => {
      try {
        return (await loadSpec(text)).spec;
      } catch (error) {
        return (error as KubeseedError).problems;
      }
    })();
    assert.equal(problems, [
      {
        path: 'networking.podSubnet',
        message: "flannel's template carries IPv4 only; remove the other pod subnet",
        line: 7,
        column: 14,
      },
    ]);
  },
);

valid('tokens.ttl 0 is accepted with a warning', async () => {
  const { spec, warnings } = await loadSpec(`${BASE}tokens:\n  ttl: 0\n`);
  assert.is(spec.tokens.ttlSeconds, 0);
  assert.equal(warnings, [
    {
      path: 'tokens.ttl',
      message:
        'is 0: the bootstrap token never expires; anyone who reads a node bundle can join a node until you delete the token',
      line: 20,
      column: 8,
      severity: 'warning',
    },
  ]);
});

const invalid = suite('cluster spec: each bad input names the field, line:column and the fix');

interface BadCase {
  name: string;
  text: string;
  expected: Problem[];
}

const replace = (from: string, to: string) => {
  if (!BASE.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return BASE.replace(from, to);
};

const cases: BadCase[] = [
  {
    name: 'wrong apiVersion',
    text: replace('kubeseed.dev/v1alpha1', 'kubeseed.dev/v1'),
    expected: [
      {
        path: 'apiVersion',
        message: '"kubeseed.dev/v1" is not supported; expected one of: kubeseed.dev/v1alpha1',
        line: 1,
        column: 13,
      },
    ],
  },
  {
    name: 'wrong kind',
    text: replace('kind: Cluster', 'kind: Clusters'),
    expected: [{ path: 'kind', message: '"Clusters" is not supported; expected one of: Cluster', line: 2, column: 7 }],
  },
  {
    name: 'missing name',
    text: replace('name: demo\n', ''),
    expected: [{ path: 'name', message: 'is required', line: 1, column: 1 }],
  },
  {
    name: 'name not a DNS label',
    text: replace('name: demo', 'name: Demo_Cluster'),
    expected: [
      {
        path: 'name',
        message: '"Demo_Cluster" is not valid; expected a lowercase DNS-1123 label (a-z, 0-9, -; at most 63)',
        line: 3,
        column: 7,
      },
    ],
  },
  {
    name: 'unsupported Kubernetes version',
    text: replace('1.33.2', '1.30.4'),
    expected: [
      {
        path: 'kubernetesVersion',
        message:
          "1.30.4 is not supported; supported Kubernetes versions: 1.31, 1.32, 1.33, 1.34, 1.35, 1.36 (kubeadm's v1beta4 API)",
        line: 4,
        column: 20,
      },
    ],
  },
  {
    name: 'version without patch',
    text: replace('1.33.2', '"1.33"'),
    expected: [
      {
        path: 'kubernetesVersion',
        message: '"1.33" is not a Kubernetes release; expected a full version like 1.33.2',
        line: 4,
        column: 20,
      },
    ],
  },
  {
    name: 'unknown top-level field (typo)',
    text: replace('podSubnet', 'podSubnet').replace('pki:', 'pkis:'),
    expected: [
      {
        path: 'pkis',
        message:
          'unknown field; expected one of: apiVersion, kind, name, kubernetesVersion, controlPlaneEndpoint, networking, pki, tokens, maintenance, podNetwork, imageRepository, registries, imageArchives, agent, kubernetesSysext, metadataGuard, machineImage, packageRepository, releaseMirror, nodes',
        line: 10,
        column: 3,
      },
    ],
  },
  {
    name: 'endpoint with a bad port',
    text: replace('10.0.0.10:6443', '10.0.0.10:99999'),
    expected: [
      {
        path: 'controlPlaneEndpoint',
        message:
          '"10.0.0.10:99999" is not a valid endpoint; expected host or host:port, e.g. k8s.example.com:6443 or 192.0.2.10',
        line: 5,
        column: 23,
      },
    ],
  },
  {
    name: 'two control planes without an endpoint',
    text: replace('controlPlaneEndpoint: 10.0.0.10:6443\n', '').replace(
      '  - name: worker-1\n    role: worker',
      '  - name: cp-2\n    role: control-plane',
    ),
    expected: [
      {
        path: 'controlPlaneEndpoint',
        message:
          'is required with more than one control plane: a load balancer in front of all of them (host or host:port), or {vip: ADDRESS} for a free address on their network that kubeseed holds with kube-vip',
        line: 1,
        column: 1,
      },
    ],
  },
  {
    name: 'pod subnet is not a CIDR',
    text: replace('10.244.0.0/16', '10.244.0.0'),
    expected: [
      {
        path: 'networking.podSubnet',
        message: '"10.244.0.0" is not a CIDR block; expected e.g. 10.244.0.0/16 or fd00:10:244::/56',
        line: 7,
        column: 14,
      },
    ],
  },
  {
    name: 'pod subnet with host bits set',
    text: replace('10.244.0.0/16', '10.244.1.0/16'),
    expected: [
      {
        path: 'networking.podSubnet',
        message: '"10.244.1.0/16" has host bits set; the block starts at 10.244.0.0/16',
        line: 7,
        column: 14,
      },
    ],
  },
  {
    name: 'service subnet overlaps pod subnet',
    text: replace('10.96.0.0/12', '10.244.128.0/20'),
    expected: [
      {
        path: 'networking.serviceSubnet',
        message: '10.244.128.0/20 overlaps the pod subnet 10.244.0.0/16; pick ranges that do not overlap',
        line: 8,
        column: 18,
      },
    ],
  },
  {
    name: 'service subnet too large',
    text: replace('10.96.0.0/12', '100.0.0.0/8'),
    expected: [
      {
        path: 'networking.serviceSubnet',
        message: '100.0.0.0/8 is too large: kube-apiserver allows at most 2^20 service addresses (use /12 or smaller)',
        line: 8,
        column: 18,
      },
    ],
  },
  {
    name: 'node address inside the pod subnet',
    text: replace('address: 10.0.0.21', 'address: 10.244.3.7'),
    expected: [
      {
        path: 'nodes[1].address',
        message: '10.244.3.7 lies inside 10.244.0.0/16; node addresses must not overlap the pod or service subnets',
        line: 17,
        column: 14,
      },
    ],
  },
  {
    name: 'two IPv4 pod subnets',
    text: replace('10.244.0.0/16', '10.244.0.0/16,10.245.0.0/16'),
    expected: [
      {
        path: 'networking.podSubnet',
        message: 'dual-stack takes exactly one IPv4 and one IPv6 CIDR, separated by a comma',
        line: 7,
        column: 14,
      },
    ],
  },
  {
    name: 'pod subnet too small for a per-node range',
    text: replace('10.244.0.0/16', '10.244.0.0/25'),
    expected: [
      {
        path: 'networking.podSubnet',
        message: "10.244.0.0/25 is smaller than one node's pod range (/24); use a /16 or larger",
        line: 7,
        column: 14,
      },
    ],
  },
  {
    name: 'pod subnet with fewer node ranges than nodes',
    text: replace('10.244.0.0/16', '10.244.0.0/24'),
    expected: [
      {
        path: 'networking.podSubnet',
        message: '10.244.0.0/24 holds 1 per-node /24 ranges but the cluster has 2 nodes; use a larger block',
        line: 7,
        column: 14,
      },
    ],
  },
  {
    name: 'bad dns domain',
    text: replace('  serviceSubnet: 10.96.0.0/12\n', '  serviceSubnet: 10.96.0.0/12\n  dnsDomain: Cluster_Local\n'),
    expected: [
      {
        path: 'networking.dnsDomain',
        message: '"Cluster_Local" is not valid; expected a DNS domain like cluster.local',
        line: 9,
        column: 14,
      },
    ],
  },
  {
    name: 'unknown key algorithm',
    text: replace('algorithm: RSA-2048', 'algorithm: RSA-1024'),
    expected: [
      {
        path: 'pki.algorithm',
        message: '"RSA-1024" is not supported; expected one of: RSA-2048, RSA-3072, RSA-4096, ECDSA-P256, ECDSA-P384',
        line: 10,
        column: 14,
      },
    ],
  },
  {
    name: 'ECDSA-P384 before 1.34',
    text: replace('algorithm: RSA-2048', 'algorithm: ECDSA-P384'),
    expected: [
      {
        path: 'pki.algorithm',
        message:
          "ECDSA-P384 needs Kubernetes 1.34 or newer (kubeadm's encryptionAlgorithm); use ECDSA-P256 or upgrade kubernetesVersion",
        line: 10,
        column: 14,
      },
    ],
  },
  {
    name: 'bad CA validity',
    text: replace('algorithm: RSA-2048', 'algorithm: RSA-2048\n  caValidity: ten years'),
    expected: [
      {
        path: 'pki.caValidity',
        message: '"ten years" is not a duration like 24h, 90m, 365d or 10y',
        line: 11,
        column: 15,
      },
    ],
  },
  {
    name: 'cert validity longer than the CA',
    text: replace('algorithm: RSA-2048', 'algorithm: RSA-2048\n  caValidity: 1y\n  certValidity: 2y'),
    expected: [
      {
        path: 'pki.certValidity',
        message: 'is longer than caValidity: certificates cannot outlive the CA that signs them',
        line: 12,
        column: 17,
      },
    ],
  },
  {
    name: 'bad token ttl',
    text: `${BASE}tokens:\n  ttl: 1 day\n`,
    expected: [
      { path: 'tokens.ttl', message: '"1 day" is not a duration like 24h, 90m, 365d or 10y', line: 20, column: 8 },
    ],
  },
  {
    name: 'unknown pod network',
    text: `${BASE}podNetwork: weave\n`,
    expected: [
      { path: 'podNetwork', message: '"weave" is not supported; expected one of: flannel', line: 19, column: 13 },
    ],
  },
  {
    name: 'no nodes',
    text: `${BASE.slice(0, BASE.indexOf('nodes:'))}nodes: []\n`,
    expected: [{ path: 'nodes', message: 'needs at least one control-plane node', line: 11, column: 8 }],
  },
  {
    name: 'no control plane',
    text: replace('role: control-plane', 'role: worker'),
    expected: [
      {
        path: 'nodes',
        message: 'needs at least one node with role control-plane: the first one initialises the cluster',
        line: 12,
        column: 3,
      },
    ],
  },
  {
    name: 'duplicate node names',
    text: replace('name: worker-1', 'name: cp-1'),
    expected: [
      {
        path: 'nodes[1].name',
        message: '"cp-1" is already used by nodes[0]; node names must be unique',
        line: 15,
        column: 11,
      },
    ],
  },
  {
    name: 'duplicate addresses',
    text: replace('address: 10.0.0.21', 'address: 10.0.0.10'),
    expected: [{ path: 'nodes[1].address', message: '10.0.0.10 is already used by nodes[0]', line: 17, column: 14 }],
  },
  {
    name: 'bad role',
    text: replace('role: worker', 'role: master'),
    expected: [
      {
        path: 'nodes[1].role',
        message: '"master" is not supported; expected one of: control-plane, worker',
        line: 16,
        column: 11,
      },
    ],
  },
  {
    name: 'bad arch',
    text: replace('    role: worker\n', '    role: worker\n    arch: armhf\n'),
    expected: [
      {
        path: 'nodes[1].arch',
        message: '"armhf" is not supported; expected one of: amd64, arm64',
        line: 17,
        column: 11,
      },
    ],
  },
  {
    name: 'bad carrier',
    text: replace('    role: worker\n', '    role: worker\n    carrier: floppy\n'),
    expected: [
      {
        path: 'nodes[1].carrier',
        message: '"floppy" is not supported; expected one of: cloud-init, ignition',
        line: 17,
        column: 14,
      },
    ],
  },
  {
    name: 'address that is not an IP',
    text: replace('address: 10.0.0.21', 'address: worker.example.com'),
    expected: [
      { path: 'nodes[1].address', message: '"worker.example.com" is not an IP address', line: 17, column: 14 },
    ],
  },
  {
    name: 'label the kubelet may not set',
    text: replace('    role: worker\n', '    role: worker\n    labels:\n      node-role.kubernetes.io/worker: ""\n'),
    expected: [
      {
        path: 'nodes[1].labels.node-role.kubernetes.io/worker',
        message:
          'the kubelet may not set "node-role.kubernetes.io/worker" (kubernetes.io and k8s.io labels are restricted); use your own prefix such as example.com/role, or a node.kubernetes.io/ label',
        line: 18,
        column: 39,
      },
    ],
  },
  {
    name: 'taint with a bad effect',
    text: replace(
      '    role: worker\n',
      '    role: worker\n    taints:\n      - key: example.com/gpu\n        effect: NoRun\n',
    ),
    expected: [
      {
        path: 'nodes[1].taints[0].effect',
        message: '"NoRun" is not supported; expected one of: NoSchedule, PreferNoSchedule, NoExecute',
        line: 19,
        column: 17,
      },
    ],
  },
  {
    name: 'ssh key that is not a public key',
    text: replace(
      '    role: worker\n',
      '    role: worker\n    sshAuthorizedKeys:\n      - "-----BEGIN OPENSSH PRIVATE KEY-----"\n',
    ),
    expected: [
      {
        path: 'nodes[1].sshAuthorizedKeys[0]',
        message: 'is not an OpenSSH public key; expected e.g. "ssh-ed25519 AAAA… user@host"',
        line: 18,
        column: 9,
      },
    ],
  },
  {
    name: 'unknown node field',
    text: replace('    role: worker\n', '    role: worker\n    adress: 10.0.0.30\n'),
    expected: [
      {
        path: 'nodes[1].adress',
        message:
          'unknown field; expected one of: name, role, address, arch, carrier, machineImage, labels, taints, sshAuthorizedKeys, network, metadataGuard',
        line: 17,
        column: 13,
      },
    ],
  },
  {
    name: 'Ignition node without an agent download',
    text: replace('    role: worker\n', '    role: worker\n    carrier: ignition\n'),
    expected: [
      {
        path: 'agent',
        message:
          'needs amd64: {url, sha512}: Ignition nodes (Flatcar, Fedora CoreOS) download kubeseed-boot at first boot; point it at the dist/kubeseed-boot-linux-amd64 you host (sha512sum gives the digest)',
        line: 1,
        column: 1,
      },
    ],
  },
  {
    name: 'agent download with a bad sha512',
    text: replace('nodes:\n', 'agent:\n  amd64: {url: "https://example.com/kubeseed-boot", sha512: abc}\nnodes:\n'),
    expected: [
      {
        path: 'agent.amd64.sha512',
        message: '"abc" is not valid; expected 128 lowercase hex digits (sha512sum of the file)',
        line: 12,
        column: 61,
      },
    ],
  },
  {
    name: 'static network without an address',
    text: replace('    role: worker\n    address: 10.0.0.21\n', '    role: worker\n    network: {prefixLength: 24}\n'),
    expected: [
      {
        path: 'nodes[1].network',
        message: "static network settings need the node's address; add address, or remove network to use DHCP",
        line: 17,
        column: 14,
      },
    ],
  },
  {
    name: 'gateway of the other IP family',
    text: replace(
      '    address: 10.0.0.21\n',
      '    address: 10.0.0.21\n    network: {prefixLength: 24, gateway: "fe80::1"}\n',
    ),
    expected: [
      {
        path: 'nodes[1].network.gateway',
        message: "fe80::1 is IPv6 but the node's address is IPv4",
        line: 18,
        column: 42,
      },
    ],
  },
  {
    name: 'YAML syntax error',
    text: replace('  podSubnet: 10.244.0.0/16', '  podSubnet: [10.244.0.0/16'),
    expected: [
      {
        path: '',
        message: 'Flow sequence in block collection must be sufficiently indented and end with a ]',
        line: 8,
        column: 3,
      },
    ],
  },
  {
    name: 'an alias to no anchor',
    text: replace('  podSubnet: 10.244.0.0/16', '  podSubnet: *pods'),
    expected: [{ path: '', message: 'alias *pods refers to no anchor before it', line: 7, column: 14 }],
  },
];

for (const badCase of cases) {
  invalid(badCase.name, async () => {
    assert.equal(await problemsOf(badCase.text), badCase.expected);
  });
}

invalid('all problems are reported together', async () => {
  const text = replace('name: demo', 'name: Demo')
    .replace('algorithm: RSA-2048', 'algorithm: DSA')
    .replace('role: worker', 'role: boss');
  assert.equal(
    (await problemsOf(text)).map((problem) => problem.path),
    ['name', 'pki.algorithm', 'nodes[1].role'],
  );
});

invalid('read from a file, each problem starts with file:line:col, the form editors jump to', async () => {
  const lines = async (text: string) => {
    try {
      await loadSpec(text, 'cluster.yaml');
    } catch (error) {
      return (error as KubeseedError).problems.map(formatProblem);
    }
    return [];
  };
  assert.equal(await lines(replace('role: worker', 'role: boss')), [
    'cluster.yaml:16:11: nodes[1].role: "boss" is not supported; expected one of: control-plane, worker',
  ]);
  assert.equal(await lines(replace('  podSubnet: 10.244.0.0/16', '  podSubnet: [10.244.0.0/16')), [
    'cluster.yaml:8:3: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
});

valid.run();
invalid.run();
