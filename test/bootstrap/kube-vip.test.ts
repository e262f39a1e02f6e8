// The agent on the control planes of a cluster whose endpoint is a kube-vip address, with
// the stand-in kubeadm (which, like kubeadm's reset, empties /etc/kubernetes/manifests and
// records what that directory held at every init and join).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KUBE_VIP_HOSTS, KUBE_VIP_HOSTS_PATH, KUBE_VIP_MANIFEST_PATH } from '../../core/kube-vip-files.ts';
import type { NodeBundle } from '../../core/node-bundle.ts';
import { renderKubeVipManifest } from '../../generator/kube-vip/static-pod.ts';
import { KUBE_VIP_IMAGE } from '../../images/kube-vip-image.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  control,
  exists,
  type Fixture,
  file,
  makeBundle,
  makeFixture,
  makePki,
  mode,
  runAgent,
  startApiServer,
  state,
} from './helpers.ts';

const test = needing(suite('agent: kube-vip on the control planes (stand-in kubeadm)'), { tools: AGENT_TOOLS });
test.after(cleanup);

const INIT = 'kubeadm init --config /etc/kubeseed/kubeadm.yaml';
const JOIN = 'kubeadm join --config /etc/kubeseed/kubeadm.yaml';
const SUPER_ADMIN = '/etc/kubernetes/super-admin.conf';
const MOVED_SUPER_ADMIN = '/var/lib/kubeseed/break-glass/super-admin.conf';

/** A control plane's bundle as generate makes it for a kube-vip address (the fixtures' endpoint host). */
function withKubeVip(bundle: NodeBundle, name?: string): NodeBundle {
  const address = bundle.cluster.controlPlaneEndpoint.replace(/:\d+$/, '');
  const manifest = renderKubeVipManifest({
    address,
    ...(name === undefined ? {} : { interface: name }),
    role: bundle.node.role === 'init' ? 'init' : 'join',
    image: KUBE_VIP_IMAGE,
  });
  return { ...bundle, kubeVip: { address, ...(name === undefined ? {} : { interface: name }), manifest } };
}

/** What the manifests directory held at each kubeadm init/join call, in order. */
function manifestsAtEachTry(fixture: Fixture): string[][] {
  const calls = join(fixture.log, 'calls');
  const lines = readFileSync(join(fixture.log, 'commands'), 'utf8').trimEnd().split('\n');
  return lines.flatMap((line, index) => {
    if (line !== INIT && line !== JOIN) return [];
    const dir = join(calls, `${String(index + 1).padStart(4, '0')}-kubeadm`);
    return [readFileSync(join(dir, 'manifests'), 'utf8').trim().split('\n').filter(Boolean)];
  });
}

function interfaces(fixture: Fixture, ...names: string[]): void {
  for (const name of names) mkdirSync(join(fixture.root, 'sys/class/net', name), { recursive: true });
}

test('init node: kube-vip is in place before kubeadm init, with super-admin.conf, and again after each failed try and its reset', async () => {
  const fixture = makeFixture(withKubeVip(makeBundle('init'), 'eth0'));
  interfaces(fixture, 'lo', 'eth0');
  control(fixture, 'kubeadm', ['fail-after 2 init'], '[wait-control-plane] the API server did not become healthy\n');
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stdout + result.stderr);

  const ran = commands(fixture);
  assert.equal(ran.slice(ran.indexOf('systemctl enable kubelet.service') + 1, ran.lastIndexOf(INIT) + 1), [
    INIT,
    'kubeadm reset -f',
    INIT,
    'kubeadm reset -f',
    INIT,
  ]);
  assert.equal(manifestsAtEachTry(fixture), [['kube-vip.yaml'], ['kube-vip.yaml'], ['kube-vip.yaml']]);
  assert.is(file(fixture, KUBE_VIP_MANIFEST_PATH), fixture.bundle.kubeVip!.manifest);
  assert.match(file(fixture, KUBE_VIP_MANIFEST_PATH), 'path: /etc/kubernetes/super-admin.conf');
  assert.is(mode(fixture, KUBE_VIP_MANIFEST_PATH), 0o600);
  assert.is(file(fixture, KUBE_VIP_HOSTS_PATH), KUBE_VIP_HOSTS);
  assert.is(mode(fixture, KUBE_VIP_HOSTS_PATH), 0o644);
  assert.is(state(fixture).phases['kube-vip']?.status, 'done');
});

test('init node with kube-vip: super-admin.conf stays, root only, and `status` says why', async () => {
  const fixture = makeFixture(withKubeVip(makeBundle('init')));
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.ok(exists(fixture, SUPER_ADMIN));
  assert.is(mode(fixture, SUPER_ADMIN), 0o600);
  assert.not.ok(exists(fixture, MOVED_SUPER_ADMIN));
  assert.match(
    result.stdout,
    /INFO kube-vip kube-vip will hold 127\.0\.0\.1 on the interface of this node's default route/,
  );
  const status = await runAgent(fixture, ['status']);
  assert.match(
    status.stdout,
    /^super-admin\.conf: stays at \/etc\/kubernetes\/super-admin\.conf, root only \(0600\): kube-vip on this node authenticates with it/m,
  );
});

test('init node without kube-vip: super-admin.conf moves to a root-only directory, `status` says where, reset removes it', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.not.ok(exists(fixture, SUPER_ADMIN));
  assert.is(file(fixture, MOVED_SUPER_ADMIN), '# stand-in kubeconfig super-admin\n');
  assert.is(mode(fixture, MOVED_SUPER_ADMIN), 0o600);
  assert.is(mode(fixture, '/var/lib/kubeseed/break-glass'), 0o700);
  assert.is(state(fixture).phases['kube-vip']?.status, 'skipped');
  assert.not.ok(exists(fixture, KUBE_VIP_MANIFEST_PATH));
  const status = await runAgent(fixture, ['status']);
  assert.match(
    status.stdout,
    /^super-admin\.conf: moved to \/var\/lib\/kubeseed\/break-glass\/super-admin\.conf \(0600/m,
  );

  const reset = await runAgent(fixture, ['reset']);
  assert.is(reset.code, 0, reset.stdout + reset.stderr);
  assert.not.ok(exists(fixture, '/var/lib/kubeseed/break-glass'));
});

test('joining control plane: kube-vip with admin.conf is in place before the join; a kube-vip manifest alone is no leftover to reset', async () => {
  const pki = makePki();
  const api = await startApiServer(pki.serverCert, pki.serverKey);
  try {
    const fixture = makeFixture(withKubeVip(makeBundle('control-plane', { apiPort: api.port })));
    const placed = await runAgent(fixture, ['phase', 'kube-vip']);
    assert.is(placed.code, 0, placed.stdout + placed.stderr);
    assert.match(file(fixture, KUBE_VIP_MANIFEST_PATH), 'path: /etc/kubernetes/admin.conf');
    assert.not.match(file(fixture, KUBE_VIP_MANIFEST_PATH), 'super-admin.conf');

    const result = await runAgent(fixture, ['run']);
    assert.is(result.code, 0, result.stdout + result.stderr);
    assert.not.ok(commands(fixture).includes('kubeadm reset -f'), 'kube-vip.yaml is not a kubeadm leftover');
    assert.not.match(result.stdout, /left by a kubeadm run that did not finish/);
    assert.equal(manifestsAtEachTry(fixture), [['kube-vip.yaml']]);
    assert.is(state(fixture).phases['super-admin']?.status, 'skipped');
  } finally {
    api.server.close();
  }
});

test('joining control plane: a failed join and its reset, then kube-vip is back before the next try', async () => {
  const pki = makePki();
  const api = await startApiServer(pki.serverCert, pki.serverKey);
  try {
    const fixture = makeFixture(withKubeVip(makeBundle('control-plane', { apiPort: api.port })));
    control(fixture, 'kubeadm', ['fail-after 1 join'], 'error execution phase control-plane-join/etcd\n');
    const result = await runAgent(fixture, ['run']);
    assert.is(result.code, 0, result.stdout + result.stderr);
    const kubeadm = commands(fixture).filter((command) => command.startsWith('kubeadm '));
    assert.equal(kubeadm.slice(kubeadm.indexOf(JOIN)), [JOIN, 'kubeadm reset -f', JOIN]);
    assert.equal(manifestsAtEachTry(fixture), [['kube-vip.yaml'], ['kube-vip.yaml']]);
    assert.is(file(fixture, KUBE_VIP_MANIFEST_PATH), fixture.bundle.kubeVip!.manifest);
  } finally {
    api.server.close();
  }
});

test('a named interface the machine does not have stops before kubeadm, naming it and the ones there are', async () => {
  const fixture = makeFixture(withKubeVip(makeBundle('init'), 'bond0'));
  interfaces(fixture, 'lo', 'eth0');
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 1);
  assert.match(
    result.stderr,
    'kube-vip is to hold 127.0.0.1 on interface bond0, which this machine does not have (it has: eth0, lo)',
  );
  assert.not.ok(
    commands(fixture).some((command) => command.startsWith('kubeadm init')),
    'kubeadm never ran',
  );
  assert.not.ok(exists(fixture, KUBE_VIP_MANIFEST_PATH));
  assert.is(state(fixture).phases['kube-vip']?.status, 'failed');
});

test('`kubeseed-boot reset` removes the kube-vip manifest and hosts file it wrote', async () => {
  const fixture = makeFixture(withKubeVip(makeBundle('init')));
  assert.is((await runAgent(fixture, ['phase', 'kube-vip'])).code, 0);
  assert.ok(exists(fixture, KUBE_VIP_MANIFEST_PATH));
  const reset = await runAgent(fixture, ['reset']);
  assert.is(reset.code, 0, reset.stdout + reset.stderr);
  assert.not.ok(exists(fixture, KUBE_VIP_MANIFEST_PATH));
  assert.not.ok(exists(fixture, KUBE_VIP_HOSTS_PATH));
});

test.run();
