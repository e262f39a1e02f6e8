// The CLI around the phases: `phase NAME`, `status`, `reset`, `version`, --bundle and
// usage errors; the real agent in a child process except for the quick CLI checks.
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../bootstrap/cli.ts';
import {
  CapturingHost,
  FSTAB,
  cleanup,
  commands,
  exists,
  file,
  makeBundle,
  makeFixture,
  runAgent,
  snapshot,
  state,
} from './helpers.ts';

const test = suite('agent: commands');
test.after(cleanup);

test('`phase host` runs load and the host phase only (stand-in modprobe, sysctl, swapoff, hostname)', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const result = await runAgent(fixture, ['phase', 'host']);
  assert.is(result.code, 0, result.stderr);
  assert.equal(commands(fixture), [
    'modprobe overlay',
    'modprobe br_netfilter',
    'sysctl --system',
    'swapoff -a',
    'hostname cp-1',
  ]);
  assert.ok(exists(fixture, '/etc/sysctl.d/99-kubeseed.conf'));
  assert.not.ok(exists(fixture, '/etc/containerd/config.toml'));
  const phases = state(fixture).phases;
  assert.equal(Object.keys(phases).sort(), ['host', 'load']);
  assert.is(phases.host?.status, 'done');

  const again = await runAgent(fixture, ['phase', 'host']);
  assert.is(again.code, 0);
  assert.match(again.stdout, /INFO host already done/);
  assert.is(commands(fixture).length, 5, 'a done phase is not run again');
});

test('`phase pki` on a worker is skipped: it does not apply', async () => {
  const fixture = makeFixture(makeBundle('worker'));
  const result = await runAgent(fixture, ['phase', 'pki']);
  assert.is(result.code, 0);
  assert.match(result.stdout, /INFO pki skipped: does not apply to a worker node/);
  assert.not.ok(exists(fixture, '/etc/kubernetes/pki'));
});

test('`status` before anything ran, `version`, and usage errors exit 2 (in-process, and once through a real process)', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const status = new CapturingHost(fixture);
  assert.is(await runCli(['status'], status), 0);
  assert.match(status.output, /^PHASE\s+STATE\s+ATTEMPTS\s+TIME\s+LAST ERROR$/m);
  for (const name of ['load', 'preflight', 'host', 'runtime', 'images', 'pki', 'kubeadm', 'addons', 'finish']) {
    assert.match(status.output, new RegExp(`^${name}\\s+pending\\s+0$`, 'm'));
  }
  assert.not.ok(exists(fixture, '/var/lib/kubeseed'), 'status writes nothing');

  for (const args of [
    [],
    ['bogus'],
    ['phase', 'bogus'],
    ['phase'],
    ['run', 'extra'],
    ['run', '--frobnicate'],
    ['run', '--bundle', 'relative.yaml'],
  ]) {
    const host = new CapturingHost(fixture);
    assert.is(await runCli(args, host), 2, `${args.join(' ')}: ${host.output}`);
    assert.match(host.output, /^error: /);
    assert.match(host.output, /Usage: kubeseed-boot <command>/);
  }
  const version = new CapturingHost(fixture);
  assert.is(await runCli(['version'], version), 0);
  assert.match(version.output, /^kubeseed-boot \d+\.\d+\.\d+\n$/);

  const child = await runAgent(fixture, ['bogus']);
  assert.is(child.code, 2);
  assert.match(child.stderr, /^error: unknown command "bogus"/);
  assert.not.ok(exists(fixture, '/var/lib/kubeseed') || exists(fixture, '/var/log'), 'usage errors write nothing');
});

test('`--bundle PATH` reads the bundle from another place', async () => {
  const fixture = makeFixture(makeBundle('init'));
  mkdirSync(join(fixture.root, 'srv'));
  renameSync(join(fixture.root, 'etc/kubeseed/node.yaml'), join(fixture.root, 'srv/bundle.yaml'));
  const result = await runAgent(fixture, ['phase', 'load', '--bundle', '/srv/bundle.yaml']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /node cp-1 \(init, amd64\) of cluster demo/);
});

test("`reset` after a full run: stand-in kubeadm reset -f, the agent's files and state gone, fstab restored; `run` works again", async () => {
  const fixture = makeFixture(makeBundle('init'));
  const pristine = snapshot(fixture.root);
  assert.is((await runAgent(fixture, ['run'])).code, 0);

  const result = await runAgent(fixture, ['reset']);
  assert.is(result.code, 0, result.stderr);
  assert.is(commands(fixture).at(-1), 'kubeadm reset -f');
  for (const path of [
    '/etc/kubeseed/kubeadm.yaml',
    '/etc/kubeseed/addons',
    '/etc/modules-load.d/kubeseed.conf',
    '/etc/sysctl.d/99-kubeseed.conf',
    '/etc/containerd/config.toml',
    '/etc/containerd/certs.d/registry.k8s.io',
    '/etc/kubernetes/pki/ca.key',
    '/etc/kubernetes/admin.conf',
    '/var/lib/kubeseed/state.json',
    '/var/lib/kubeseed/completed.json',
  ]) {
    assert.not.ok(exists(fixture, path), `${path} removed`);
  }
  assert.is(file(fixture, '/etc/fstab'), FSTAB);
  assert.ok(exists(fixture, '/etc/kubeseed/node.yaml'), 'the bundle stays');
  assert.match(
    file(fixture, '/var/log/kubeseed-boot.log'),
    /INFO reset done: the next `kubeseed-boot run` starts from scratch/,
  );
  // What stays: the log, the hostname, empty directories, and the stand-in containerd socket.
  const left = Object.keys(snapshot(fixture.root)).filter((path) => !(path in pristine) && !path.endsWith('/'));
  assert.equal(left.sort(), ['/etc/hostname', '/run/containerd/containerd.sock', '/var/log/kubeseed-boot.log']);

  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^kubeadm\s+pending\s+0$/m);
  const rerun = await runAgent(fixture, ['run']);
  assert.is(rerun.code, 0, rerun.stderr);
  assert.ok(state(fixture).completedAt);
});

test.run();
