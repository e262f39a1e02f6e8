// What the agent checks before it uses something, in-process against a temporary root:
// image archives and add-on templates against the bundle's sha256, and the host phase's
// tolerance of a container (modules loaded already, /proc/sys read-only but right).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT_NEEDS_OPERATOR, runCli } from '../../bootstrap/cli.ts';
import { needing } from '../helpers/tools.ts';
import {
  ADDON_IMAGE,
  AGENT_TOOLS,
  ARCHIVE_PATH,
  CapturingHost,
  cleanup,
  commands,
  control,
  exists,
  type Fixture,
  makeBundle,
  makeFixture,
  SOCKET,
  sha256,
  state,
  TEMPLATE_PATH,
} from './helpers.ts';

const test = needing(suite('agent: verification before use'), { tools: AGENT_TOOLS });
test.after(cleanup);

function put(fixture: Fixture, path: string, content: string): void {
  mkdirSync(join(fixture.root, path, '..'), { recursive: true });
  writeFileSync(join(fixture.root, path), content);
}

test('a damaged image archive → images phase fails naming both hashes; stand-in ctr never runs', async () => {
  const fixture = makeFixture(makeBundle('init'));
  put(fixture, ARCHIVE_PATH, 'truncated');
  const host = new CapturingHost(fixture);
  // A checksum that does not match is not retried: the unit does not restart on exit 3.
  assert.is(await runCli(['phase', 'images'], host), EXIT_NEEDS_OPERATOR);
  assert.match(
    host.output,
    new RegExp(`image archive ${ARCHIVE_PATH} has sha256 [0-9a-f]{64}, the bundle expects [0-9a-f]{64}`),
  );
  assert.equal(commands(fixture), []);
  assert.is(state(fixture).phases.images?.status, 'failed');
});

test('an image in no archive → images phase stops naming it, before any stand-in kubeadm init or join', async () => {
  const bundle = makeBundle('worker');
  const fixture = makeFixture({
    ...bundle,
    runtime: { ...bundle.runtime, registryMirrors: [] },
    images: { ...bundle.images, required: [ADDON_IMAGE, 'ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel2'] },
  });
  put(fixture, SOCKET, '');
  const host = new CapturingHost(fixture);
  assert.is(await runCli(['phase', 'images'], host), 1);
  assert.match(host.output, /1 image\(s\) are in no archive and this node has no registry mirror to pull them from/);
  assert.match(host.output, /images: ghcr\.io\/flannel-io\/flannel-cni-plugin:v1\.9\.1-flannel2 is missing/);
  assert.not.ok(commands(fixture).some((command) => / (init|join) /.test(command)));
  assert.is(
    readFileSync(join(fixture.root, '/etc/kubeseed/images-config.yaml'), 'utf8').split('\n').slice(1).join('\n'),
    'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.33.2\nimageRepository: registry.k8s.io\n',
  );
});

test('an image in no archive on a node with registry mirrors → a warning, the phase goes on', async () => {
  const bundle = makeBundle('worker');
  const fixture = makeFixture({
    ...bundle,
    images: { ...bundle.images, required: ['ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel2'] },
  });
  put(fixture, SOCKET, '');
  const host = new CapturingHost(fixture);
  assert.is(await runCli(['phase', 'images'], host), 0, host.output);
  assert.match(
    host.output,
    /WARN images not in the image archives, to be pulled through the registry mirrors: ghcr\.io\/flannel-io\/flannel-cni-plugin/,
  );
});

test('no image archives in the bundle → the images phase has nothing to do', async () => {
  const fixture = makeFixture({ ...makeBundle('worker'), images: { archives: [], required: [] } });
  const host = new CapturingHost(fixture);
  assert.is(await runCli(['phase', 'images'], host), 0, host.output);
  assert.match(host.output, /no image archives in the bundle/);
  assert.equal(commands(fixture), []);
});

test("an add-on template that differs from the bundle's sha256 → addons fails before any stand-in kubectl apply", async () => {
  const fixture = makeFixture(makeBundle('init'));
  put(fixture, TEMPLATE_PATH, 'kind: Tampered\n');
  const host = new CapturingHost(fixture);
  assert.is(await runCli(['phase', 'addons'], host), EXIT_NEEDS_OPERATOR);
  assert.match(host.output, /add-on flannel v0\.26\.0: the template has sha256 [0-9a-f]{64}, the bundle expects/);
  assert.not.ok(exists(fixture, '/etc/kubeseed/addons/flannel.yaml'));
  assert.equal(commands(fixture), []);
});

test('an inline add-on manifest is used when the image lacks the template', async () => {
  const bundle = makeBundle('init');
  const manifest = 'kind: ConfigMap # ${POD_CIDR}\n';
  const fixture = makeFixture({
    ...bundle,
    addons: [{ ...bundle.addons[0]!, version: 'v9.9.9', sha256: sha256(manifest), manifest }],
  });
  put(fixture, '/etc/kubernetes/admin.conf', 'stand-in\n');
  const host = new CapturingHost(fixture);
  assert.is(await runCli(['phase', 'addons'], host), 0, host.output);
  assert.equal(commands(fixture), [
    'kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f /etc/kubeseed/addons/flannel.yaml',
  ]);
});

test('host phase in a container: stand-in modprobe and sysctl fail, but the modules are loaded and the values set → continues with warnings', async () => {
  const fixture = makeFixture(makeBundle('worker'));
  control(fixture, 'modprobe', ['fail 2']);
  control(fixture, 'sysctl', ['fail 1'], 'sysctl: setting key "net.ipv4.ip_forward": Read-only file system\n');
  for (const module of ['overlay', 'br_netfilter'])
    mkdirSync(join(fixture.root, 'sys/module', module), { recursive: true });
  for (const key of [
    'net/ipv4/ip_forward',
    'net/bridge/bridge-nf-call-iptables',
    'net/bridge/bridge-nf-call-ip6tables',
  ])
    put(fixture, `/proc/sys/${key}`, '1\n');
  const host = new CapturingHost(fixture);
  assert.is(await runCli(['phase', 'host'], host), 0, host.output);
  assert.is(
    host.output.match(/WARN host `modprobe \w+` exited with code 1.*the module is loaded already, continuing/g)?.length,
    2,
  );
  assert.match(
    host.output,
    /WARN host `sysctl --system` exited with code 1: sysctl: setting key .*; the settings kubeseed needs are in effect, continuing/,
  );
});

test('host phase: a failing modprobe for a module that is not loaded → the phase fails', async () => {
  const fixture = makeFixture(makeBundle('worker'));
  control(fixture, 'modprobe', ['fail 1 br_netfilter'], 'modprobe: FATAL: Module br_netfilter not found\n');
  const host = new CapturingHost(fixture);
  assert.is(await runCli(['phase', 'host'], host), 1);
  assert.match(
    host.output,
    /error: `modprobe br_netfilter` exited with code 1: modprobe: FATAL: Module br_netfilter not found/,
  );
  assert.is(state(fixture).phases.host?.status, 'failed');
});

test.run();
