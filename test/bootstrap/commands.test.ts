// The CLI around the phases: `phase NAME [--force]`, `run --skip-phases`, `status`, `reset`,
// `version`, --bundle, help and usage errors; the real agent in a child process except for
// the quick CLI checks.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../bootstrap/cli.ts';
import { renderBundle } from '../../core/node-bundle.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  CapturingHost,
  cleanup,
  commands,
  exists,
  FSTAB,
  file,
  makeBundle,
  makeFixture,
  runAgent,
  snapshot,
  state,
} from './helpers.ts';

const test = needing(suite('agent: commands'), { tools: AGENT_TOOLS });
test.after(cleanup);

test('`phase host` loads the bundle and runs the host phase only (stand-in modprobe, sysctl, swapoff, hostname)', async () => {
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
  assert.equal(Object.keys(phases), ['host']);
  assert.is(phases.host?.status, 'done');

  const again = await runAgent(fixture, ['phase', 'host']);
  assert.is(again.code, 0);
  assert.match(again.stdout, /INFO host already done/);
  assert.is(commands(fixture).length, 5, 'a done phase is not run again');

  const forced = await runAgent(fixture, ['phase', 'host', '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /INFO host done before; running it again \(--force\)/);
  assert.equal(commands(fixture).slice(5), commands(fixture).slice(0, 5), '--force runs the phase again');
  assert.is(state(fixture).phases.host?.attempts, 2);
});

test('`run --skip-phases addons,images` records them skipped, runs the rest, and the node finishes', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const result = await runAgent(fixture, ['run', '--skip-phases', 'addons,images']);
  assert.is(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /INFO images skipped: --skip-phases/);
  assert.match(result.stdout, /INFO addons skipped: --skip-phases/);
  assert.not.ok(commands(fixture).some((command) => command.startsWith('kubectl') || command.includes('import')));
  const phases = state(fixture).phases;
  assert.is(phases.images?.status, 'skipped');
  assert.is(phases.addons?.status, 'skipped');
  assert.is(phases.kubeadm?.status, 'done');
  assert.ok(state(fixture).completedAt, 'finish accepts phases skipped on request');
});

test('`phase pki` on a worker is skipped: it does not apply', async () => {
  const fixture = makeFixture(makeBundle('worker'));
  const result = await runAgent(fixture, ['phase', 'pki']);
  assert.is(result.code, 0);
  assert.match(result.stdout, /INFO pki skipped: does not apply to a worker node/);
  assert.not.ok(exists(fixture, '/etc/kubernetes/pki'));
});

test('`status` before anything ran, `version`, help, and usage errors exit 2 with one line (in-process, and once through a real process)', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const status = new CapturingHost(fixture);
  assert.is(await runCli(['status'], status), 0);
  assert.match(status.output, /^PHASE\s+STATE\s+ATTEMPTS\s+TIME\s+LAST ERROR$/m);
  for (const name of [
    'install',
    'preflight',
    'host',
    'metadata-guard',
    'runtime',
    'images',
    'pki',
    'kubeadm',
    'addons',
    'finish',
  ]) {
    assert.match(status.output, new RegExp(`^${name}\\s+pending\\s+0$`, 'm'));
  }
  assert.not.match(status.output, /^load\s/m, 'loading the bundle is not a phase');
  assert.not.ok(exists(fixture, '/var/lib/kubeseed'), 'status writes nothing');

  const usageErrors: Array<[string[], RegExp]> = [
    [['bogus'], /^error: unknown command 'bogus'\nRun 'kubeseed-boot --help' for usage\.\n$/],
    [['stauts'], /^error: unknown command 'stauts' \(did you mean status\?\)\n/],
    [
      ['phase', 'bogus'],
      /^error: unknown phase "bogus"; the phases are: install, preflight, host, metadata-guard, runtime, images, pki, kube-vip, kubeadm, super-admin, addons, maintenance, finish\nRun 'kubeseed-boot phase --help' for usage\.\n$/,
    ],
    [['phase', 'load'], /^error: unknown phase "load"/],
    [['phase'], /^error: missing required argument 'name'\n/],
    [['run', 'extra'], /^error: too many arguments for 'run'/],
    [['run', '--frobnicate'], /^error: unknown option '--frobnicate'\nRun 'kubeseed-boot run --help' for usage\.\n$/],
    [['run', '--skip-phase', 'addons'], /^error: unknown option '--skip-phase' \(did you mean --skip-phases\?\)\n/],
    [['run', '--skip-phases', 'addons,nope'], /unknown phase nope; the phases are: install, preflight, host/],
    [
      ['run', '--bundle', 'relative.yaml'],
      /^error: option '--bundle <path>' argument 'relative\.yaml' is invalid\. needs an absolute path/,
    ],
  ];
  for (const [args, message] of usageErrors) {
    const host = new CapturingHost(fixture);
    assert.is(await runCli(args, host), 2, `${args.join(' ')}: ${host.output}`);
    assert.match(host.output, message, args.join(' '));
    assert.not.match(host.output, /Commands:/, `${args.join(' ')}: not the whole usage`);
  }
  const none = new CapturingHost(fixture);
  assert.is(await runCli([], none), 2, 'no command: the usage, as an error');
  assert.match(none.output, /^Usage: kubeseed-boot \[options\] \[command\]/);

  for (const args of [['--help'], ['help'], ['phase', '--help'], ['help', 'phase'], ['version'], ['--version']]) {
    const host = new CapturingHost(fixture);
    assert.is(await runCli(args, host), 0, `${args.join(' ')}: ${host.output}`);
    if (args.includes('phase')) {
      assert.match(host.output, /^Usage: kubeseed-boot phase \[options\] <name>/);
      assert.match(host.output, /--force/);
    } else if (args.join(' ').includes('version')) {
      assert.match(host.output, /^kubeseed-boot \d+\.\d+\.\d+\n$/);
    } else {
      for (const command of ['run', 'status', 'phase', 'reset', 'version']) assert.match(host.output, `  ${command}`);
    }
  }

  const child = await runAgent(fixture, ['bogus']);
  assert.is(child.code, 2);
  assert.match(child.stderr, /^error: unknown command 'bogus'/);
  assert.not.ok(exists(fixture, '/var/lib/kubeseed') || exists(fixture, '/var/log'), 'usage errors write nothing');
});

test('`--bundle PATH` reads the bundle from another place', async () => {
  const fixture = makeFixture(makeBundle('init'));
  mkdirSync(join(fixture.root, 'srv'));
  renameSync(join(fixture.root, 'etc/kubeseed/node.yaml'), join(fixture.root, 'srv/bundle.yaml'));
  const result = await runAgent(fixture, ['phase', 'host', '--bundle', '/srv/bundle.yaml']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /INFO bundle \/srv\/bundle\.yaml: node cp-1 \(init, amd64\) of cluster demo/);
});

test("`reset` after a full run: stand-in kubeadm reset -f, the agent's files and state gone, fstab restored; `run` stays out until the marker is removed", async () => {
  const fixture = makeFixture(makeBundle('init'));
  const pristine = snapshot(fixture.root);
  assert.is((await runAgent(fixture, ['run'])).code, 0);

  const result = await runAgent(fixture, ['reset']);
  assert.is(result.code, 0, result.stderr);
  const afterReset = commands(fixture);
  assert.equal(afterReset.slice(afterReset.indexOf('kubeadm reset -f')), [
    'kubeadm reset -f',
    'nft list table inet kubeseed_metadata_guard',
    'nft delete table inet kubeseed_metadata_guard',
    'systemctl daemon-reload',
  ]);
  for (const path of [
    '/etc/kubeseed/kubeadm.yaml',
    '/etc/kubeseed/addons',
    '/etc/modules-load.d/kubeseed.conf',
    '/etc/sysctl.d/99-kubeseed.conf',
    '/etc/kubeseed/metadata-guard.nft',
    '/etc/systemd/system/kubeseed-metadata-guard.service',
    '/etc/systemd/system/kubelet.service.d/10-kubeseed-metadata-guard.conf',
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
  // It was scrubbed after the run (secrets-at-rest tests): a new bootstrap needs a fresh one.
  assert.match(
    file(fixture, '/var/log/kubeseed-boot.log'),
    /INFO reset done: this machine left the cluster; `kubeseed-boot run` will not join it again/,
  );
  assert.match(
    file(fixture, '/var/log/kubeseed-boot.log'),
    /WARN reset bootstrapping this machine anew also needs a fresh bundle: the node bundle at \/etc\/kubeseed\/node\.yaml was scrubbed/,
  );
  writeFileSync(join(fixture.root, 'etc/kubeseed/node.yaml'), renderBundle(fixture.bundle), { mode: 0o600 });
  // What stays: the log, the hostname, empty directories, the stand-in containerd socket, and the reset marker.
  const left = Object.keys(snapshot(fixture.root)).filter((path) => !(path in pristine) && !path.endsWith('/'));
  assert.equal(left.sort(), [
    '/etc/hostname',
    '/run/containerd/containerd.sock',
    '/var/lib/kubeseed/reset.json',
    '/var/log/kubeseed-boot.log',
  ]);

  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^kubeadm\s+pending\s+0$/m);
  rmSync(join(fixture.root, 'var/lib/kubeseed/reset.json'));
  const rerun = await runAgent(fixture, ['run']);
  assert.is(rerun.code, 0, rerun.stderr);
  assert.ok(state(fixture).completedAt);
});

test.run();
