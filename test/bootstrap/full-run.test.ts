// A whole `kubeseed-boot run` for each role: the real agent in a child process against a
// temporary root, with stand-in executables on PATH.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  ARCHIVE_PATH,
  cleanup,
  commands,
  exists,
  type Fixture,
  FSTAB,
  file,
  findCall,
  makeBundle,
  makeFixture,
  makePki,
  mode,
  runAgent,
  SANDBOX_IMAGE,
  startApiServer,
  state,
} from './helpers.ts';

const test = needing(suite('agent: full run'), { tools: AGENT_TOOLS });
test.after(cleanup);

const CONFIG = '/etc/kubeseed/kubeadm.yaml';
const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (INFO|WARN|ERROR) [a-z-]+ \S.*$/;

/** The host phase's commands, then the metadata guard's. */
function hostCommands(name: string): string[] {
  return [
    'modprobe overlay',
    'modprobe br_netfilter',
    'sysctl --system',
    'swapoff -a',
    `hostname ${name}`,
    'nft -f -',
    'nft list table inet kubeseed_metadata_guard',
    'systemctl daemon-reload',
  ];
}

const CTR = 'ctr --address /run/containerd/containerd.sock -n k8s.io';

function runtimeCommands(imagesConfig: string): string[] {
  return [
    'systemctl restart containerd',
    `${CTR} images import ${ARCHIVE_PATH}`,
    `kubeadm config images list --config ${imagesConfig}`,
    `${CTR} images ls -q`,
  ];
}

function checkCommonFiles(fixture: Fixture): void {
  assert.is(
    file(fixture, '/etc/modules-load.d/kubeseed.conf'),
    '# Written by kubeseed-boot; `kubeseed-boot reset` removes it.\noverlay\nbr_netfilter\n',
  );
  assert.is(mode(fixture, '/etc/modules-load.d/kubeseed.conf'), 0o644);
  assert.is(
    file(fixture, '/etc/sysctl.d/99-kubeseed.conf'),
    '# Written by kubeseed-boot; `kubeseed-boot reset` removes it.\nnet.ipv4.ip_forward = 1\nnet.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n',
  );
  assert.is(file(fixture, '/etc/fstab'), 'UUID=1234 / ext4 defaults 0 1\n#kubeseed-boot# /swapfile none swap sw 0 0\n');
  assert.is.not(file(fixture, '/etc/fstab'), FSTAB);
  assert.is(file(fixture, '/etc/hostname'), `${fixture.bundle.node.name}\n`);

  assert.is(mode(fixture, '/etc/containerd/config.toml'), 0o644);
  // What the real containerd made of the file (config dump, run by the systemctl stand-in on
  // restart): a misspelled key would leave containerd's default here, not the intended value.
  const restart = findCall(fixture, 'systemctl', 'restart');
  assert.ok(restart, 'containerd was restarted');
  const dump = readFileSync(join(restart!, 'config-dump.toml'), 'utf8');
  assert.match(dump, /^version = 2$/m);
  const cri = dump.slice(dump.indexOf('[plugins."io.containerd.grpc.v1.cri"]\n'));
  assert.match(cri, `\n    sandbox_image = "${SANDBOX_IMAGE}"\n`);
  assert.match(
    cri,
    /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\]\n(?: {10}.*\n)*? {10}runtime_type = "io\.containerd\.runc\.v2"/,
  );
  assert.match(
    cri,
    /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.runc\.options\]\n {12}SystemdCgroup = true/,
  );
  assert.match(
    cri,
    /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n {6}config_path = "\/etc\/containerd\/certs\.d"/,
  );
  assert.is(
    file(fixture, '/etc/containerd/certs.d/registry.k8s.io/hosts.toml'),
    [
      '# Written by kubeseed-boot; `kubeseed-boot reset` removes it.',
      'server = "https://registry.k8s.io"',
      '',
      '[host."https://mirror.internal:5000"]',
      '  capabilities = ["pull", "resolve"]',
      '  ca = "/etc/containerd/certs.d/registry.k8s.io/ca.crt"',
      '',
    ].join('\n'),
  );
  assert.is(file(fixture, '/etc/containerd/certs.d/registry.k8s.io/ca.crt'), makePki().caCert);
  assert.ok(exists(fixture, '/run/containerd/containerd.sock'), 'the containerd stand-in made its socket');

  assert.not.ok(exists(fixture, CONFIG), 'finish removed the kubeadm configuration: it holds the token');
  const kubeadmCall = findCall(fixture, 'kubeadm', fixture.bundle.node.role === 'init' ? 'init' : 'join');
  assert.ok(kubeadmCall, 'kubeadm init/join ran');
  assert.is(
    readFileSync(join(kubeadmCall!, 'config.yaml'), 'utf8'),
    fixture.bundle.kubeadm.config,
    'kubeadm got the bundle config',
  );

  const recorded = state(fixture);
  assert.is(mode(fixture, '/var/lib/kubeseed/state.json'), 0o600);
  assert.ok(recorded.completedAt);
  const completed = JSON.parse(file(fixture, '/var/lib/kubeseed/completed.json')) as Record<string, string>;
  assert.equal(completed, {
    cluster: 'demo',
    node: fixture.bundle.node.name,
    role: fixture.bundle.node.role,
    kubernetesVersion: '1.33.2',
    completedAt: recorded.completedAt,
  });

  const logLines = file(fixture, '/var/log/kubeseed-boot.log').trimEnd().split('\n');
  assert.is(mode(fixture, '/var/log/kubeseed-boot.log'), 0o600);
  for (const line of logLines) assert.match(line, LOG_LINE);
}

function checkSharedPki(fixture: Fixture): void {
  const pki = makePki();
  const expected: [string, string, number][] = [
    ['ca.crt', pki.caCert, 0o644],
    ['ca.key', pki.caKey, 0o600],
    ['front-proxy-ca.crt', pki.frontProxyCert, 0o644],
    ['front-proxy-ca.key', pki.frontProxyKey, 0o600],
    ['etcd/ca.crt', pki.etcdCert, 0o644],
    ['etcd/ca.key', pki.etcdKey, 0o600],
    ['sa.key', pki.saKey, 0o600],
    ['sa.pub', pki.saPub, 0o644],
  ];
  for (const [path, content, fileMode] of expected) {
    assert.is(file(fixture, `/etc/kubernetes/pki/${path}`), content, path);
    assert.is(mode(fixture, `/etc/kubernetes/pki/${path}`), fileMode, `${path} mode`);
  }
  assert.is(mode(fixture, '/etc/kubernetes'), 0o755);
  assert.is(mode(fixture, '/etc/kubernetes/pki'), 0o700);
  assert.is(mode(fixture, '/etc/kubernetes/pki/etcd'), 0o700);
}

test('init node: full run with stand-in kubeadm, kubectl, ctr and systemctl', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stderr + result.stdout);
  assert.equal(commands(fixture), [
    'containerd --version',
    'kubeadm version -o short',
    ...hostCommands('cp-1'),
    ...runtimeCommands(CONFIG),
    'systemctl enable kubelet.service',
    `kubeadm init --config ${CONFIG}`,
    'kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f /etc/kubeseed/addons/flannel.yaml',
    'systemctl daemon-reload',
    'systemctl enable --now kubeseed-cert-renewal.timer kubeseed-etcd-snapshot.timer',
  ]);
  checkCommonFiles(fixture);
  checkSharedPki(fixture);
  const rendered = 'kind: ConfigMap\ndata:\n  net-conf.json: \'{"Network": "10.244.0.0/16"}\'\n';
  assert.is(file(fixture, '/etc/kubeseed/addons/flannel.yaml'), rendered);
  assert.is(mode(fixture, '/etc/kubeseed/addons/flannel.yaml'), 0o600);
  assert.is(readFileSync(join(findCall(fixture, 'kubectl', '--kubeconfig')!, 'manifest.yaml'), 'utf8'), rendered);
  const phases = state(fixture).phases;
  assert.equal(Object.keys(phases), [
    'install',
    'preflight',
    'host',
    'metadata-guard',
    'runtime',
    'images',
    'pki',
    'kube-vip',
    'kubeadm',
    'super-admin',
    'addons',
    'maintenance',
    'finish',
  ]);
  for (const name of [
    'install',
    'preflight',
    'host',
    'metadata-guard',
    'runtime',
    'images',
    'pki',
    'kubeadm',
    'super-admin',
    'addons',
    'maintenance',
    'finish',
  ]) {
    assert.is(phases[name]?.status, 'done', name);
  }
  assert.is(phases['kube-vip']?.status, 'skipped', 'no kube-vip address in this cluster');

  const before = commands(fixture).length;
  const again = await runAgent(fixture, ['run']);
  assert.is(again.code, 0);
  assert.match(again.stdout, /nothing to do/);
  assert.is(commands(fixture).length, before, 'a bootstrapped node runs no command on the next boot');
});

test('control-plane join: full run with stand-in kubeadm waits for a TLS API server, then joins', async () => {
  const pki = makePki();
  const api = await startApiServer(pki.serverCert, pki.serverKey);
  try {
    const fixture = makeFixture(makeBundle('control-plane', { apiPort: api.port }));
    const result = await runAgent(fixture, ['run']);
    assert.is(result.code, 0, result.stderr + result.stdout);
    assert.equal(commands(fixture), [
      'containerd --version',
      'kubeadm version -o short',
      ...hostCommands('cp-2'),
      ...runtimeCommands('/etc/kubeseed/images-config.yaml'),
      'systemctl enable kubelet.service',
      `kubeadm join --config ${CONFIG}`,
      'systemctl daemon-reload',
      'systemctl enable --now kubeseed-cert-renewal.timer kubeseed-etcd-snapshot.timer',
    ]);
    checkCommonFiles(fixture);
    checkSharedPki(fixture);
    assert.match(result.stdout, /the API server at 127\.0\.0\.1:\d+ answers over TLS verified with the cluster CA/);
    assert.not.ok(exists(fixture, '/etc/kubeseed/addons'));
    const phases = state(fixture).phases;
    assert.is(phases.addons?.status, 'skipped');
    assert.is(phases.pki?.status, 'done');
  } finally {
    api.server.close();
  }
});

test('worker: full run with stand-in kubeadm joins without any CA key', async () => {
  const pki = makePki();
  const api = await startApiServer(pki.serverCert, pki.serverKey);
  try {
    const fixture = makeFixture(makeBundle('worker', { apiPort: api.port }), { cpus: 1, memoryKb: 900_000 });
    const result = await runAgent(fixture, ['run']);
    assert.is(result.code, 0, result.stderr + result.stdout);
    assert.equal(commands(fixture), [
      'containerd --version',
      'kubeadm version -o short',
      ...hostCommands('worker-1'),
      ...runtimeCommands('/etc/kubeseed/images-config.yaml'),
      'systemctl enable kubelet.service',
      `kubeadm join --config ${CONFIG}`,
    ]);
    checkCommonFiles(fixture);
    assert.not.ok(exists(fixture, '/etc/kubernetes/pki/ca.key'));
    const phases = state(fixture).phases;
    assert.is(phases.pki?.status, 'skipped');
    assert.is(phases.addons?.status, 'skipped');
  } finally {
    api.server.close();
  }
});

test.run();
