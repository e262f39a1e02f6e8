// A cluster whose controlPlaneEndpoint is an address kubeseed manages with kube-vip:
// `kubeseed generate` run as a user runs it, its bundles read back by the agent's parser,
// the kube-vip manifests read as Pods, the kubeadm configurations checked by the strict
// stand-in kubeadm for every supported minor, and `kubeseed validate` on the bad cases.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, parseAllDocuments } from 'yaml';
import { type Cidr, parseCidr } from '../../core/cidr.ts';
import { KubeseedError, type Problem } from '../../core/errors.ts';
import { KUBE_VIP_HOSTS_PATH } from '../../core/kube-vip-files.ts';
import { kubeadmImages } from '../../core/kubernetes-versions.ts';
import { type NodeBundle, parseBundle } from '../../core/node-bundle.ts';
import { renderKubeadmConfig } from '../../generator/kubeadm/render.ts';
import { MINORS } from '../../generator/kubeadm/upstream.ts';
import { checkControlPlaneVip } from '../../generator/spec/control-plane-vip.ts';
import { loadSpec } from '../../generator/spec/load.ts';
import { KUBE_VIP_IMAGE } from '../../images/kube-vip-image.ts';
import { removeTreeSync } from '../helpers/cleanup.ts';
import { runCli } from '../helpers/run-cli.ts';
import { kubeadmChecker } from '../stand-ins/strict-kubeadm/bundle.ts';
import { KUBEADM_PACKAGE_VERSION_FILE } from '../stand-ins/strict-kubeadm/package.ts';

const STAND_IN_KUBEADM = resolve(import.meta.dirname, '../stand-ins/kubeadm');

const spec = (endpoint: string, version = '1.34.2') => `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: ha
kubernetesVersion: ${version}
${endpoint}
networking:
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
machineImage: prepared
nodes:
  - name: cp-1
    role: control-plane
    address: 192.168.50.11
    network: {prefixLength: 24, gateway: 192.168.50.1, interface: enp1s0}
  - name: cp-2
    role: control-plane
    address: 192.168.50.12
  - name: cp-3
    role: control-plane
    address: 192.168.50.13
    network: {prefixLength: 24}
  - name: w-1
    role: worker
    address: 192.168.50.21
`;

const VIP_SPEC = spec('controlPlaneEndpoint:\n  vip: 192.168.50.5');

interface KubeVipPod {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: {
    hostNetwork: boolean;
    hostAliases: { ip: string; hostnames: string[] }[];
    containers: {
      name: string;
      image: string;
      args: string[];
      env: { name: string; value?: string; valueFrom?: unknown }[];
      securityContext: { capabilities: { add: string[]; drop: string[] } };
      volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
    }[];
    volumes: { name: string; hostPath: { path: string; type?: string } }[];
  };
}

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-kube-vip-'));
  temps.push(dir);
  return dir;
}

/** Both suites make temporary directories: each ends with this. */
function removeTemps(): void {
  for (const dir of temps.splice(0)) removeTreeSync(dir);
}

let generated: Record<string, NodeBundle> | undefined;
/** `kubeseed generate` on the VIP cluster, once; the bundles as the agent reads them. */
async function bundles(): Promise<Record<string, NodeBundle>> {
  if (generated) return generated;
  const dir = tempDir();
  writeFileSync(join(dir, 'cluster.yaml'), VIP_SPEC);
  const result = await runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', join(dir, 'out')]);
  assert.is(result.code, 0, result.stderr);
  generated = Object.fromEntries(
    ['cp-1', 'cp-2', 'cp-3', 'w-1'].map((name) => [
      name,
      parseBundle(readFileSync(join(dir, 'out', 'nodes', name, 'node.yaml'), 'utf8')),
    ]),
  );
  return generated;
}

function podOf(bundle: NodeBundle): KubeVipPod {
  const documents = parseAllDocuments(bundle.kubeVip!.manifest);
  assert.is(documents.length, 1, 'one document');
  return parse(bundle.kubeVip!.manifest) as KubeVipPod;
}

function envOf(pod: KubeVipPod): Record<string, string | undefined> {
  return Object.fromEntries(pod.spec.containers[0]!.env.map((entry) => [entry.name, entry.value]));
}

const generate = suite('kube-vip: generate');
generate.after(removeTemps);

generate(
  'each control plane carries a kube-vip Pod with the pinned image; the init node’s mounts super-admin.conf, the joiners’ admin.conf; the worker none',
  async () => {
    const all = await bundles();
    assert.is(all['w-1']!.kubeVip, undefined);
    for (const name of ['cp-1', 'cp-2', 'cp-3']) {
      const bundle = all[name]!;
      assert.is(bundle.kubeVip!.address, '192.168.50.5');
      const pod = podOf(bundle);
      assert.is(pod.apiVersion, 'v1');
      assert.is(pod.kind, 'Pod');
      assert.equal(pod.metadata, { name: 'kube-vip', namespace: 'kube-system' });
      assert.ok(pod.spec.hostNetwork);
      const [container] = pod.spec.containers;
      assert.is(container!.image, KUBE_VIP_IMAGE);
      assert.match(container!.image, /^ghcr\.io\/kube-vip\/kube-vip:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
      assert.equal(container!.args, ['manager']);
      assert.equal(container!.securityContext.capabilities, { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] });
      const kubeconfig = pod.spec.volumes.find((volume) => volume.name === 'kubeconfig')!.hostPath;
      const expected = name === 'cp-1' ? '/etc/kubernetes/super-admin.conf' : '/etc/kubernetes/admin.conf';
      assert.equal(kubeconfig, { path: expected, type: 'File' }, name);
      assert.ok(
        container!.volumeMounts.some(
          (mount) => mount.name === 'kubeconfig' && mount.mountPath === '/etc/kubernetes/admin.conf',
        ),
        'kube-vip reads its kubeconfig at /etc/kubernetes/admin.conf whichever file it is',
      );
      assert.equal(pod.spec.hostAliases, [{ ip: '127.0.0.1', hostnames: ['kubernetes'] }]);
      assert.equal(pod.spec.volumes.find((volume) => volume.name === 'etchosts')!.hostPath, {
        path: KUBE_VIP_HOSTS_PATH,
        type: 'File',
      });
      assert.ok(container!.volumeMounts.some((mount) => mount.name === 'etchosts' && mount.mountPath === '/etc/hosts'));
    }
  },
);

generate(
  'control-plane ARP with leader election, v1.1+ lease timing, vip_subnet (not vip_cidr), the API server’s own port',
  async () => {
    const env = envOf(podOf((await bundles())['cp-2']!));
    assert.equal(
      { ...env, vip_nodename: undefined },
      {
        vip_arp: 'true',
        port: '6443',
        vip_nodename: undefined,
        vip_subnet: '32',
        dns_mode: 'first',
        cp_enable: 'true',
        cp_namespace: 'kube-system',
        vip_leaderelection: 'true',
        vip_leasename: 'plndr-cp-lock',
        vip_leaseduration: '15',
        vip_renewdeadline: '10',
        vip_retryperiod: '2',
        address: '192.168.50.5',
        prometheus_server: ':2112',
      },
    );
    assert.not.ok('vip_cidr' in env);
    assert.not.ok('k8s_config_file' in env, 'the default path: kube-vip then talks to its own API server');
  },
);

generate(
  'the interface: the cluster’s, else the node’s network.interface, else none (kube-vip takes the default route’s)',
  async () => {
    const all = await bundles();
    assert.is(all['cp-1']!.kubeVip!.interface, 'enp1s0');
    assert.is(envOf(podOf(all['cp-1']!)).vip_interface, 'enp1s0');
    for (const name of ['cp-2', 'cp-3']) {
      assert.is(all[name]!.kubeVip!.interface, undefined, name);
      assert.not.ok('vip_interface' in envOf(podOf(all[name]!)), name);
    }
    const { spec: named } = await loadSpec(spec('controlPlaneEndpoint: {vip: 192.168.50.5, interface: enp1s0}'));
    assert.equal(named.controlPlaneVip, { address: '192.168.50.5', interface: 'enp1s0' });
  },
);

generate('every node reaches the API at the address, port 6443; the API server certificates name it', async () => {
  const all = await bundles();
  for (const bundle of Object.values(all)) {
    assert.is(bundle.cluster.controlPlaneEndpoint, '192.168.50.5:6443');
    if (bundle.node.role !== 'init')
      assert.match(bundle.kubeadm.config, /apiServerEndpoint: 192\.168\.50\.5:6443/, bundle.node.name);
  }
  const cluster = parseAllDocuments(all['cp-1']!.kubeadm.config)
    .map((document) => document.toJS() as Record<string, unknown>)
    .find((document) => document.kind === 'ClusterConfiguration')!;
  assert.is(cluster.controlPlaneEndpoint, '192.168.50.5:6443');
  assert.ok((cluster.apiServer as { certSANs: string[] }).certSANs.includes('192.168.50.5'));
});

generate(
  'air-gapped control planes must have the kube-vip image; `kubeseed images list -f` lists it for the spec, by digest',
  async () => {
    const all = await bundles();
    for (const name of ['cp-1', 'cp-2', 'cp-3']) assert.ok(all[name]!.images.required.includes(KUBE_VIP_IMAGE), name);
    assert.not.ok(all['w-1']!.images.required.includes(KUBE_VIP_IMAGE));

    const dir = tempDir();
    const listed = async (text: string) => {
      writeFileSync(join(dir, 'cluster.yaml'), text);
      const result = await runCli(['images', 'list', '-f', join(dir, 'cluster.yaml')]);
      assert.is(result.code, 0, result.stderr);
      return result.stdout.trimEnd().split('\n');
    };
    const images = await listed(VIP_SPEC);
    assert.equal(images.slice(0, 7), kubeadmImages('1.34.2'));
    assert.is(images.at(-1), KUBE_VIP_IMAGE);
    assert.not.ok(
      (await listed(spec('controlPlaneEndpoint: 192.168.50.5'))).includes(KUBE_VIP_IMAGE),
      'no managed address',
    );
    const mixed = await runCli(['images', 'list', '-f', join(dir, 'cluster.yaml'), '--kube-vip']);
    assert.is(mixed.code, 2, 'the spec decides, not a flag beside it');
    assert.match(mixed.stderr, /cannot be used with option '--kube-vip'/);
  },
);

/** Runs the strict stand-in kubeadm's `init --config` on a machine with that kubeadm version installed. */
function strictInit(version: string, config: string): { code: number | null; stderr: string } {
  const base = tempDir();
  const root = join(base, 'root');
  const put = (path: string, content: string, mode = 0o600) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content, { mode });
  };
  mkdirSync(join(base, 'log', 'control'), { recursive: true });
  put(KUBEADM_PACKAGE_VERSION_FILE, `v${version}\n`, 0o644);
  put('/etc/kubeseed/kubeadm.yaml', config);
  put('/etc/kubernetes/manifests/kube-vip.yaml', 'kind: Pod\n');
  for (const key of ['ca.key', 'etcd/ca.key']) put(`/etc/kubernetes/pki/${key}`, 'key');
  const result = spawnSync(STAND_IN_KUBEADM, ['init', '--config', '/etc/kubeseed/kubeadm.yaml'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      KUBESEED_BOOT_ROOT: root,
      STANDIN_LOG: join(base, 'log'),
      STANDIN_KUBEADM_CHECKER: kubeadmChecker(),
    },
  });
  return { code: result.status, stderr: result.stderr };
}

generate(
  'for every supported minor the init configuration passes the strict stand-in kubeadm with kube-vip.yaml in place, and sets no feature gate',
  async () => {
    for (const minor of MINORS) {
      const version = `${minor}.0`;
      const { spec: cluster } = await loadSpec(spec('controlPlaneEndpoint: {vip: 192.168.50.5}', version));
      const init = cluster.nodes.find((node) => node.bootstrap === 'init')!;
      const config = renderKubeadmConfig({
        spec: cluster,
        node: init,
        token: { id: 'abcdef', secret: '0123456789abcdef' },
        caCertHash: `sha256:${'0a'.repeat(32)}`,
      });
      assert.not.match(config, /featureGates/, `${minor}: kubeadm refuses a gate it no longer knows`);
      const result = strictInit(version, config);
      assert.is(result.code, 0, `${minor}: ${result.stderr}`);
    }
  },
);

async function problemsOf(text: string): Promise<Problem[]> {
  try {
    await loadSpec(text);
  } catch (error) {
    if (error instanceof KubeseedError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the spec to be rejected');
}

const validate = suite('kube-vip: validate');
validate.after(removeTemps);

const BAD: { name: string; endpoint: string; path: string; message: RegExp }[] = [
  {
    name: 'a node’s address',
    endpoint: 'controlPlaneEndpoint: {vip: 192.168.50.12}',
    path: 'controlPlaneEndpoint.vip',
    message: /192\.168\.50\.12 is the address of nodes\[1\] \(cp-2\)/,
  },
  {
    name: 'inside the pod subnet',
    endpoint: 'controlPlaneEndpoint: {vip: 10.244.3.3}',
    path: 'controlPlaneEndpoint.vip',
    message: /lies inside the pod subnet 10\.244\.0\.0\/16/,
  },
  {
    name: 'inside the service subnet',
    endpoint: 'controlPlaneEndpoint: {vip: 10.96.0.10}',
    path: 'controlPlaneEndpoint.vip',
    message: /lies inside the service subnet 10\.96\.0\.0\/12/,
  },
  {
    name: 'outside a control plane’s network',
    endpoint: 'controlPlaneEndpoint: {vip: 192.168.60.5}',
    path: 'controlPlaneEndpoint.vip',
    message: /192\.168\.60\.5 is outside cp-1's network 192\.168\.50\.11\/24 \(nodes\[0\]\.network\.prefixLength\)/,
  },
  {
    name: 'the network’s broadcast address',
    endpoint: 'controlPlaneEndpoint: {vip: 192.168.50.255}',
    path: 'controlPlaneEndpoint.vip',
    message: /network or broadcast address of 192\.168\.50\.11\/24/,
  },
  {
    name: 'the network’s own address',
    endpoint: 'controlPlaneEndpoint: {vip: 192.168.50.0}',
    path: 'controlPlaneEndpoint.vip',
    message: /192\.168\.50\.0 is the network or broadcast address of 192\.168\.50\.11\/24/,
  },
  {
    name: 'a name, not an address',
    endpoint: 'controlPlaneEndpoint: {vip: api.example.com}',
    path: 'controlPlaneEndpoint.vip',
    message: /"api\.example\.com" is not an IP address; kube-vip holds an address/,
  },
  {
    name: 'an interface other than the one a control plane’s address is on',
    endpoint: 'controlPlaneEndpoint: {vip: 192.168.50.5, interface: eth0}',
    path: 'controlPlaneEndpoint.interface',
    message: /is eth0, but cp-1 has its address on enp1s0 \(nodes\[0\]\.network\.interface\)/,
  },
  {
    name: 'an interface name longer than the kernel allows',
    endpoint: 'controlPlaneEndpoint: {vip: 192.168.50.5, interface: a-very-long-interface}',
    path: 'controlPlaneEndpoint.interface',
    message: /longer than the kernel's 15 characters/,
  },
  {
    name: 'a port (there is no load balancer: the API server’s own port is the endpoint’s)',
    endpoint: 'controlPlaneEndpoint: {vip: 192.168.50.5, port: 443}',
    path: 'controlPlaneEndpoint.port',
    message: /unknown field; expected one of: vip, interface/,
  },
];

for (const bad of BAD) {
  validate(`refuses a VIP that is ${bad.name}, naming the field and its line`, async () => {
    const problems = await problemsOf(spec(bad.endpoint));
    const problem = problems.find((candidate) => candidate.path === bad.path);
    assert.ok(problem, `no problem at ${bad.path}: ${JSON.stringify(problems)}`);
    assert.match(problem!.message, bad.message);
    assert.is(problem!.line, 5, 'the line of controlPlaneEndpoint');
  });
}

validate('the CLI prints each problem with file:line:column and its field, exits 1 and writes nothing', async () => {
  const dir = tempDir();
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, spec('controlPlaneEndpoint:\n  vip: 10.244.3.3\n  interface: eth0'));
  const result = await runCli(['validate', '-f', file]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /cluster\.yaml:6:8: controlPlaneEndpoint\.vip: 10\.244\.3\.3 lies inside the pod subnet/);
  assert.match(
    result.stderr,
    /cluster\.yaml:7:14: controlPlaneEndpoint\.interface: is eth0, but cp-1 has its address on enp1s0/,
  );
  const generated = await runCli(['generate', '-f', file, '-o', join(dir, 'out')]);
  assert.is(generated.code, 1);
  assert.not.ok(spawnSync('test', ['-e', join(dir, 'out')]).status === 0, 'nothing written');
});

validate('without an interface, validate states which control planes leave it to their default route', async () => {
  const { warnings } = await loadSpec(VIP_SPEC);
  assert.equal(
    warnings.map(({ path, message, line }) => ({ path, message, line })),
    [
      {
        path: 'controlPlaneEndpoint.interface',
        message:
          "is not set: kube-vip on cp-2, cp-3 holds 192.168.50.5 on the interface of the node's default route (IPv4, else IPv6); set interface if the VIP's network is on another interface",
        line: 6,
      },
    ],
  );
});

validate('one control plane may have a VIP; with no endpoint at all, validate and generate recommend one', async () => {
  const single = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: solo
kubernetesVersion: 1.34.2
ENDPOINT
networking:
  podSubnet: 10.244.0.0/16
machineImage: prepared
nodes:
  - {name: cp-1, role: control-plane, address: 192.168.50.11, network: {prefixLength: 24, interface: eth0}}
  - {name: w-1, role: worker, address: 192.168.50.21}
`;
  const withVip = await loadSpec(single.replace('ENDPOINT', 'controlPlaneEndpoint: {vip: 192.168.50.5}'));
  assert.equal(withVip.spec.controlPlaneVip, { address: '192.168.50.5' });
  assert.equal(withVip.warnings, []);

  const dir = tempDir();
  writeFileSync(join(dir, 'cluster.yaml'), single.replace('ENDPOINT\n', ''));
  for (const args of [['validate'], ['generate', '-o', join(dir, 'out')]]) {
    const result = await runCli([...args, '-f', join(dir, 'cluster.yaml')]);
    assert.is(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /warning: controlPlaneEndpoint: is not set, so the API is at cp-1's own address and kubeadm cannot add control planes to this cluster later; set controlPlaneEndpoint: \{vip: <a free address on cp-1's network>\}/m,
    );
  }
});

// The pod network templates carry IPv4 only, so no whole IPv6 spec loads yet: the VIP rules directly.
validate('an IPv6 VIP: checked against the control planes’ IPv6 network, with no broadcast rule', () => {
  const problems = (vip: string) => {
    const found: string[] = [];
    const controlPlane = (name: string, address: string) => ({
      name,
      role: 'control-plane' as const,
      address,
      network: { prefixLength: 64, interface: 'eth0' },
    });
    checkControlPlaneVip(
      {
        vip: { vip },
        nodes: [controlPlane('cp-1', '2001:db8:50::11'), controlPlane('cp-2', '2001:db8:50::12')],
        pods: [parseCidr('fd00:10:244::/56') as Cidr],
        services: [parseCidr('fd00:10:96::/112') as Cidr],
      },
      (path, message) => found.push(`${path.join('.')}: ${message}`),
      () => {},
    );
    return found;
  };
  assert.equal(problems('2001:db8:50::5'), []);
  assert.equal(problems('2001:db8:50:0:ffff:ffff:ffff:ffff'), [], 'the top of an IPv6 network is an ordinary address');
  assert.equal(problems('2001:db8:60::5'), [
    "controlPlaneEndpoint.vip: 2001:db8:60::5 is outside cp-1's network 2001:db8:50::11/64 (nodes[0].network.prefixLength): kube-vip announces it by ARP, which reaches only the control planes' own network",
    "controlPlaneEndpoint.vip: 2001:db8:60::5 is outside cp-2's network 2001:db8:50::12/64 (nodes[1].network.prefixLength): kube-vip announces it by ARP, which reaches only the control planes' own network",
  ]);
  assert.equal(problems('fd00:10:96::5'), [
    "controlPlaneEndpoint.vip: fd00:10:96::5 lies inside the service subnet fd00:10:96::/112; pick a free address on the control planes' network",
    "controlPlaneEndpoint.vip: fd00:10:96::5 is outside cp-1's network 2001:db8:50::11/64 (nodes[0].network.prefixLength): kube-vip announces it by ARP, which reaches only the control planes' own network",
    "controlPlaneEndpoint.vip: fd00:10:96::5 is outside cp-2's network 2001:db8:50::12/64 (nodes[1].network.prefixLength): kube-vip announces it by ARP, which reaches only the control planes' own network",
  ]);
});

generate.run();
validate.run();
