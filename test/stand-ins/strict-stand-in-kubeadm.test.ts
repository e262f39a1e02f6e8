// The strict stand-in kubeadm itself (test/stand-ins/kubeadm and its checker): the generator's
// configurations pass it for every supported minor, and what kubeadm's decoder and validation
// refuse, it refuses, for the kubeadm version installed on the machine.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { renderKubeadmConfig } from '../../generator/kubeadm/render.ts';
import { compareMinors, MINORS } from '../../generator/kubeadm/upstream.ts';
import { loadSpec } from '../../generator/spec/load.ts';
import { releasesWithFacts, upstreamImageList, upstreamImageTags } from '../upstream-facts/kubeadm-images.ts';
import { kubeadmChecker } from './strict-kubeadm/bundle.ts';
import { KUBEADM_PACKAGE_VERSION_FILE } from './strict-kubeadm/package.ts';

const KUBEADM = resolve(import.meta.dirname, 'kubeadm');
const CONFIG = '/etc/kubeseed/kubeadm.yaml';
const TOKEN = { id: 'abcdef', secret: '0123456789abcdef' };
const HASH = `sha256:${'0a'.repeat(32)}`;
const temps: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Machine {
  /** The installed stand-in kubeadm package; null: none. */
  kubeadm: string | null;
  config?: string;
  /** The shared CA key on disk (a control plane's, placed by the agent). */
  caKey?: boolean;
}

/** Runs the stand-in kubeadm as the agent does, on a fresh machine root. */
function kubeadm(args: string[], machine: Machine): Run {
  const base = mkdtempSync(join(tmpdir(), 'kubeseed-strict-'));
  temps.push(base);
  const root = join(base, 'root');
  const put = (path: string, content: string, mode = 0o600) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content, { mode });
  };
  mkdirSync(join(base, 'log', 'control'), { recursive: true });
  if (machine.kubeadm !== null) put(KUBEADM_PACKAGE_VERSION_FILE, `${machine.kubeadm}\n`, 0o644);
  if (machine.config !== undefined) put(CONFIG, machine.config);
  if (machine.caKey) for (const key of ['ca.key', 'etcd/ca.key']) put(`/etc/kubernetes/pki/${key}`, 'key');
  const result = spawnSync(KUBEADM, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      KUBESEED_BOOT_ROOT: root,
      STANDIN_LOG: join(base, 'log'),
      STANDIN_KUBEADM_CHECKER: kubeadmChecker(),
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function cluster(version: string, extra = ''): string {
  return `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: demo
kubernetesVersion: ${version}
controlPlaneEndpoint: 10.0.0.10:6443
networking:
  podSubnet: 10.244.0.0/16
machineImage: prepared
${extra}nodes:
  - {name: cp-1, role: control-plane, address: 10.0.0.11}
  - {name: cp-2, role: control-plane, address: 10.0.0.12}
  - {name: w-1, role: worker, address: 10.0.0.21}
`;
}

async function rendered(version: string, node: string, extra = ''): Promise<string> {
  const { spec } = await loadSpec(cluster(version, extra));
  const target = spec.nodes.find((candidate) => candidate.name === node)!;
  return renderKubeadmConfig({ spec, node: target, token: TOKEN, caCertHash: HASH });
}

const init = (config: string, version = 'v1.33.2') =>
  kubeadm(['init', '--config', CONFIG], { kubeadm: version, config, caKey: true });
const join_ = (config: string, options: { version?: string; caKey?: boolean } = {}) =>
  kubeadm(['join', '--config', CONFIG], {
    kubeadm: options.version ?? 'v1.33.2',
    config,
    caKey: options.caKey ?? false,
  });

// biome-ignore lint/suspicious/noExplicitAny: documents are edited by field name
type Doc = Record<string, any>;

/** The generator's init config for 1.33.2 with one change to its parsed documents. */
async function changedInit(change: (docs: Doc[]) => void): Promise<string> {
  const docs = (await rendered('1.33.2', 'cp-1')).split('---\n').map((text) => parse(text, { version: '1.1' }) as Doc);
  change(docs);
  return docs.map((doc) => stringify(doc, { version: '1.1' })).join('---\n');
}

/** Sets the field at a dotted path (list indexes as numbers). */
function setField(doc: Doc, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let target = doc;
  for (const key of keys) target = target[key];
  target[last] = value;
}

function refused(run: Run, message: RegExp | string): void {
  assert.is(run.code, 1, `expected a refusal, got exit ${run.code}: ${run.stderr}`);
  assert.match(run.stderr, message);
}

const configs = suite('strict stand-in kubeadm: the --config as the installed kubeadm decodes and validates it');
configs.after(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

for (const minor of MINORS) {
  configs(`kubeadm v${minor}.0 accepts the generator's init, control-plane join and worker join configs`, async () => {
    const version = `${minor}.0`;
    const pki = compareMinors(minor, '1.34') >= 0 ? 'pki:\n  algorithm: ECDSA-P384\n' : '';
    const ran = [
      init(await rendered(version, 'cp-1', pki), `v${version}`),
      join_(await rendered(version, 'cp-2', pki), { version: `v${version}`, caKey: true }),
      join_(await rendered(version, 'w-1', pki), { version: `v${version}` }),
    ];
    assert.is(ran.length, 3);
    for (const run of ran) assert.is(run.code, 0, run.stderr);
  });
}

configs('a misspelled field is refused naming it (strict decoding, as `kubeadm config validate`)', async () => {
  const config = await changedInit(([initDoc]) => {
    initDoc!.nodeRegistration.criSockett = initDoc!.nodeRegistration.criSocket;
  });
  refused(init(config), 'strict decoding error: InitConfiguration.nodeRegistration.criSockett: unknown field');
});

configs('a field of a later minor is unknown to an older kubeadm', async () => {
  const config = await changedInit((docs) => {
    docs.find((doc) => doc.kind === 'KubeletConfiguration')!.crashLoopBackOff = { maxContainerRestartPeriod: '30s' };
  });
  refused(
    init(config.replaceAll('v1.33.2', 'v1.31.0'), 'v1.31.0'),
    'KubeletConfiguration.crashLoopBackOff: unknown field in 1.31 (added in 1.32)',
  );
  assert.is(init(config).code, 0, 'kubeadm 1.33 knows it');
});

configs('a feature gate the minor does not know is refused; one it knows passes', async () => {
  const withGate = (gate: string) =>
    changedInit((docs) => {
      docs.find((doc) => doc.kind === 'ClusterConfiguration')!.featureGates = { [gate]: true };
    });
  assert.is(init(await withGate('WaitForAllControlPlaneComponents')).code, 0);
  refused(
    init(await withGate('EtcdLearnerMode')),
    'featureGates: EtcdLearnerMode is not a valid feature name in 1.33 (removed in 1.33)',
  );
  refused(
    init(await withGate('NodeLocalCRISocketMode')),
    'featureGates: NodeLocalCRISocketMode is not a valid feature name',
  );
});

configs('types and formats: durations, tokens, CIDRs, ports, addresses', async () => {
  // [document index (0 Init, 1 Cluster), field path, wrong value, what kubeadm says]
  const cases: [number, string, unknown, string][] = [
    [0, 'bootstrapTokens.0.ttl', '24 hours', '"24 hours" is not a Go duration'],
    [0, 'localAPIEndpoint.bindPort', '6443', 'bindPort: expected integer, got string'],
    [0, 'localAPIEndpoint.advertiseAddress', '10.0.0.300', 'advertiseAddress: Invalid value'],
    [0, 'bootstrapTokens.0.token', 'ABCDEF.0123456789abcdef', 'the bootstrap token is not of the form'],
    [0, 'bootstrapTokens.0.usages', ['signing'], 'token groups require the authentication usage'],
    [1, 'networking.podSubnet', '10.244.0.0/33', 'podSubnet: Invalid value: "10.244.0.0/33"'],
    [1, 'networking.podSubnet', '10.0.0.0/7', 'differ by more than 16 bits'],
    [1, 'networking.serviceSubnet', '10.96.0.0/8', 'the service subnet is too large'],
    [1, 'networking.serviceSubnet', '10.96.0.0/16,10.97.0.0/16', 'one IPv4 and one IPv6 subnet'],
    [0, 'nodeRegistration.name', 'CP_1', 'nodeRegistration.name: Invalid value: "CP_1"'],
    [0, 'nodeRegistration.criSocket', '/run/containerd/containerd.sock', 'the CRI socket must be a URL'],
  ];
  let refusedCount = 0;
  for (const [index, path, value, message] of cases) {
    const label = `${path} = ${JSON.stringify(value)}`;
    const run = init(await changedInit((docs) => setField(docs[index]!, path, value)));
    assert.is(run.code, 1, `${label}: ${run.stderr}`);
    assert.match(run.stderr, message, label);
    assert.not.match(run.stderr, TOKEN.secret, `${label}: the token secret is never printed`);
    refusedCount++;
  }
  assert.is(refusedCount, cases.length);
});

configs('cross-document rules: kube-proxy clusterCIDR is the pod subnet, duplicated kinds, unknown kinds', async () => {
  refused(
    init(
      await changedInit((docs) =>
        setField(docs.find((doc) => doc.kind === 'KubeProxyConfiguration')!, 'clusterCIDR', '10.245.0.0/16'),
      ),
    ),
    'KubeProxyConfiguration.clusterCIDR: Invalid value: "10.245.0.0/16": must equal ClusterConfiguration networking.podSubnet "10.244.0.0/16"',
  );
  const config = await rendered('1.33.2', 'cp-1');
  refused(init(`${config}---\n${config.split('---\n')[1]}`), 'kind "ClusterConfiguration" is specified twice');
  refused(
    init(config.replace('kind: InitConfiguration', 'kind: InitConfig')),
    'no kind "InitConfig" is registered for version "kubeadm.k8s.io/v1beta4"',
  );
  refused(
    init(config.replace('clusterName: demo', 'clusterName: demo\nclusterName: other')),
    'error converting YAML to JSON',
  );
});

configs('the control plane version must be one the installed kubeadm deploys', async () => {
  refused(
    init(await rendered('1.31.4', 'cp-1')),
    'only supports deploying clusters with the control plane version >= 1.32.0. Current version: v1.31.4',
  );
  refused(
    init((await rendered('1.33.2', 'cp-1')).replace(/kubernetesVersion: .*\n/, '')),
    'kubernetesVersion: Required value',
  );
  const newer = init(await rendered('1.34.1', 'cp-1'));
  assert.is(newer.code, 0, newer.stderr);
  assert.match(newer.stderr, 'Kubernetes version is greater than kubeadm version');
});

configs(
  'join: discovery is required, pinned and well formed; controlPlane only with the shared CA on the machine',
  async () => {
    const worker = await rendered('1.33.2', 'w-1');
    refused(
      join_(worker.replace(/discovery:\n( {2}.*\n| {4}.*\n| {6}.*\n)*/, '')),
      'discovery: Required value: bootstrapToken or file must be set',
    );
    refused(
      join_(worker.replace('10.0.0.10:6443', '10.0.0.10')),
      'apiServerEndpoint: Invalid value: "10.0.0.10": must be host:port',
    );
    refused(join_(worker.replace(HASH, HASH.slice(0, -1))), 'caCertHashes: Invalid value');
    refused(
      join_(worker.replace(/ {4}caCertHashes:\n {6}- .*\n/, '')),
      'using token-based discovery without caCertHashes',
    );
    refused(
      join_(worker.replace(`${TOKEN.id}.${TOKEN.secret}`, `${TOKEN.id}.short`)),
      'discovery.bootstrapToken.token: Invalid value',
    );
    const controlPlane = await rendered('1.33.2', 'cp-2');
    refused(join_(controlPlane), 'no shared CA');
    refused(join_(worker, { caKey: true }), 'a worker must not hold the CA key');
    const ignored = join_(`${worker}---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n`);
    assert.is(ignored.code, 0, ignored.stderr);
    assert.match(
      ignored.stderr,
      'Ignored configuration document with GroupVersionKind kubelet.config.k8s.io/v1beta1, Kind=KubeletConfiguration',
    );
  },
);

configs.run();

const installed = suite(
  'strict stand-in kubeadm: version and image list come from the package installed on the machine',
);
installed.after(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

installed('`version -o short` prints the installed package version, whatever the config says', () => {
  for (const version of ['v1.31.0', 'v1.36.3']) {
    const run = kubeadm(['version', '-o', 'short'], { kubeadm: version });
    assert.is(run.code, 0, run.stderr);
    assert.is(run.stdout, `${version}\n`);
  }
  refused(kubeadm(['version', '-o', 'short'], { kubeadm: null }), 'no stand-in kubeadm package on this machine');
  refused(kubeadm(['version', '-o', 'short'], { kubeadm: 'v1.36.99' }), 'not a release the upstream facts hold');
});

installed(
  '`config images list` prints what that released kubeadm lists (upstream facts), for the first and last patch of each run',
  () => {
    const releases = releasesWithFacts();
    const sample = releases.filter((release, index) => {
      const tags = upstreamImageTags(release);
      return (
        index === 0 ||
        index === releases.length - 1 ||
        tags !== upstreamImageTags(releases[index - 1]!) ||
        tags !== upstreamImageTags(releases[index + 1]!)
      );
    });
    assert.ok(sample.includes('1.31.0') && sample.includes('1.31.1') && sample.includes('1.36.3'), sample.join(' '));
    for (const release of sample) {
      const config = `apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v${release}\n`;
      const run = kubeadm(['config', 'images', 'list', '--config', CONFIG], { kubeadm: `v${release}`, config });
      assert.is(run.code, 0, `${release}: ${run.stderr}`);
      assert.is(run.stdout, `${upstreamImageList(release).join('\n')}\n`, release);
    }
  },
);

installed(
  '`config images list` under a mirror repository drops coredns/, and honours disabled kube-proxy and CoreDNS',
  () => {
    const config = [
      'apiVersion: kubeadm.k8s.io/v1beta4',
      'kind: ClusterConfiguration',
      'kubernetesVersion: v1.31.0',
      'imageRepository: mirror.example.com/k8s',
      '',
    ].join('\n');
    const run = kubeadm(['config', 'images', 'list', '--config', CONFIG], { kubeadm: 'v1.31.0', config });
    assert.is(run.stdout, `${upstreamImageList('1.31.0', 'mirror.example.com/k8s').join('\n')}\n`);
    assert.match(run.stdout, 'mirror.example.com/k8s/coredns:v1.11.1\n');
    const trimmed = kubeadm(['config', 'images', 'list', '--config', CONFIG], {
      kubeadm: 'v1.31.0',
      config: `${config}proxy: {disabled: true}\ndns: {disabled: true}\n`,
    });
    assert.not.match(trimmed.stdout, 'kube-proxy');
    assert.not.match(trimmed.stdout, 'coredns');
    assert.is(trimmed.stdout.trimEnd().split('\n').length, 5);
  },
);

installed.run();
