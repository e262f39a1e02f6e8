// A stock Debian machine (systemd, cloud-init, curl; nothing of kubeseed, containerd or
// Kubernetes) becomes the init node from its generated user-data alone, in systemd-nspawn: the
// user-data fetches kubeseed-boot from the test's HTTP server and checks its sha512; the agent
// trusts the signed repository (the site's mirror) by the pinned fingerprint, installs the
// stand-in kubeadm, kubelet and kubectl at exactly 1.34.2 and holds them, installs Debian's
// containerd 2.1.9 (which 1.34 supports) and configures it; the stand-in kubeadm runs init
// once. Then the machine reboots from the same disk and installs nothing again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OWNED_HEADER } from '../../bootstrap/paths.ts';
import { needing } from '../helpers/tools.ts';
import { aptRepositories, KUBERNETES_VERSION, NEWER_PATCH } from './apt-repository.ts';
import type { GuestResults } from './guest-results.ts';
import {
  AGENT_PATH,
  bootStockNspawn,
  bootTimings,
  MIRROR_PATH,
  prepareStock,
  REPOSITORY_PATH,
  type StockBoot,
  type StockRun,
  stockRootfs,
} from './stock-machine.ts';
import { NSPAWN_TOOLS, STOCK_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';
const KUBEADM_CONFIG = '/etc/kubeseed/kubeadm.yaml';

interface Booted {
  run: StockRun;
  first: StockBoot;
  again: StockBoot;
  /** Requests the server had answered when the machine rebooted. */
  servedBeforeReboot: number;
}

const work = new E2eWorkDir('stock-image-nspawn');
let booted: Promise<Booted> | undefined;

async function bootTwice(): Promise<Booted> {
  const run = await prepareStock(work, { node: NODE, role: 'control-plane' });
  try {
    const disk = await work.machineDisk(NODE, await stockRootfs());
    const first = await bootStockNspawn(work, run, 'first-boot', disk);
    const servedBeforeReboot = run.server.requests.length;
    const again = await bootStockNspawn(work, run, 'reboot', disk);
    return { run, first, again, servedBeforeReboot };
  } finally {
    await run.close();
  }
}

function machine(): Promise<Booted> {
  booted ??= bootTwice();
  return booted;
}

/** Installed packages (dpkg's status `ii`, or `hi` when held) → `VERSION STATUS`. */
function packages(result: GuestResults): Record<string, string> {
  return Object.fromEntries(
    result
      .text('packages.txt')
      .trim()
      .split('\n')
      .map((line) => line.trim().split(' '))
      .filter((fields) => /^[ih]i$/.test(fields[2] ?? ''))
      .map((fields) => [fields[0]!, `${fields[1]} ${fields[2]}`]),
  );
}

const StockNspawn = needing(
  suite(
    'e2e: stock Debian image → init node from its user-data alone (systemd-nspawn; real signed apt repository; stand-in kubeadm, kubelet, kubectl packages)',
  ),
  { root: true, tools: [...NSPAWN_TOOLS, ...STOCK_TOOLS] },
);

StockNspawn.after(() => work.finish());

StockNspawn(
  'cloud-init fetched kubeseed-boot once, checked its sha512 and started it; cloud-init finished without errors',
  work.check(async () => {
    const { run, first, again } = await machine();
    const result = first.results;
    assert.match(result.text('cloud-init-status.txt'), /^status: done$/m);
    const { v1 } = JSON.parse(result.text('result.json')) as { v1: { errors: string[] } };
    assert.equal(v1.errors, []);
    assert.match(
      result.text('cloud-init-output.log'),
      `kubeseed: installed /usr/local/bin/kubeseed-boot from ${run.base}${AGENT_PATH} (sha512 checked)`,
    );
    assert.is(run.server.requestsFor(AGENT_PATH).length, 1, 'downloaded once, on the first boot only');
    assert.match(again.results.text('kubeseed-status.txt'), /^bootstrapped at /m);
  }),
);

StockNspawn(
  'the agent trusted the mirror by the pinned fingerprint, and real apt verified the repository’s signature',
  work.check(async () => {
    const { run, first } = await machine();
    const { pinned } = await aptRepositories();
    const log = first.results.text('kubeseed-boot.log');
    assert.match(log, `${run.base}${REPOSITORY_PATH}Release.key holds the pinned key ${pinned.fingerprint}`);
    assert.is(
      first.results.text('kubeseed-kubernetes.list'),
      `${OWNED_HEADER}\n# Kubernetes 1.34 packages\ndeb [signed-by=/etc/apt/keyrings/kubeseed-kubernetes.asc] ${run.base}${REPOSITORY_PATH} /\n`,
    );
    // apt fetched the signed index; a signature it could not verify would have ended the phase.
    assert.ok(run.server.requestsFor(`${REPOSITORY_PATH}InRelease`).some((request) => request.status === 200));
    assert.ok(run.server.requestsFor(`${MIRROR_PATH}*`).some((request) => request.path.endsWith('.deb')));
  }),
);

StockNspawn(
  'kubeadm, kubelet and kubectl are installed at exactly 1.34.2 (not the newer patch beside it) and held; containerd is Debian’s 2.1.9',
  work.check(async () => {
    const { first } = await machine();
    const installed = packages(first.results);
    // `hi`: dpkg's status for a package on hold and installed.
    for (const name of ['kubeadm', 'kubelet', 'kubectl']) {
      assert.is(installed[name], `${KUBERNETES_VERSION}-1.1 hi`, name);
      assert.is.not(installed[name], `${NEWER_PATCH}-1.1 hi`);
    }
    assert.is(installed['cri-tools'], '1.34.0-1.1 ii');
    assert.is(installed['kubernetes-cni'], '1.7.1-1.1 ii');
    assert.is(installed.containerd, '2.1.9+ds1-5 ii');
    assert.is(installed.runc, '1.1.5+ds1-1+deb12u1 ii');
    assert.equal(first.results.text('held.txt').trim().split('\n').sort(), ['kubeadm', 'kubectl', 'kubelet']);
    assert.match(
      first.results.text('kubeseed-boot.log'),
      /containerd 2\.1\.9\+ds1-5 from the package repositories: Kubernetes 1\.34 supports it \(2\.1\.3\+, 2\.0\.6\+, 1\.7\.28\+, 1\.6\.39\+\)/,
    );
  }),
);

StockNspawn(
  'kubelet is enabled; containerd runs the agent’s configuration: systemd cgroups, kubeadm’s pause image, CNI plugins from /opt/cni/bin',
  work.check(async () => {
    const { first, again } = await machine();
    assert.is(first.results.unit('kubelet.service').UnitFileState, 'enabled');
    assert.is(again.results.unit('kubelet.service').ActiveState, 'active', 'the kubelet came back after the reboot');
    assert.ok(first.results.text('config.toml').startsWith(OWNED_HEADER));
    const effective = first.results.text('containerd-config-dump.toml');
    assert.match(effective, /^version = 3$/m, 'containerd 2.x read the version 2 file');
    assert.match(effective, /^\s*SystemdCgroup = true$/m);
    assert.match(effective, /^\s*sandbox = 'registry\.k8s\.io\/pause:3\.10\.1'$/m);
    assert.match(effective, /^\s*bin_dirs = \['\/opt\/cni\/bin'\]$/m);
    assert.match(first.results.text('ctr-version.txt'), /^Server:\n\s+Version:\s+2\.1\.9/m);
  }),
);

StockNspawn(
  'swap stays off: the zram generator configured to make none, no swap line in fstab',
  work.check(async () => {
    const { first } = await machine();
    assert.ok(first.results.text('zram-generator.conf').startsWith(OWNED_HEADER));
    assert.not.match(first.results.text('zram-generator.conf'), /^\[zram/m);
    for (const line of first.results.text('fstab').split('\n'))
      assert.ok(line.startsWith('#') || line.trim().split(/\s+/)[2] !== 'swap', line);
  }),
);

StockNspawn(
  'stand-in kubeadm ran init once with the bundle’s configuration; every phase is done',
  work.check(async () => {
    const { run, again } = await machine();
    const runs = again.results.standins.kubeadmRuns();
    assert.equal(
      runs.map((call) => call.argv),
      [['init', '--config', KUBEADM_CONFIG]],
    );
    assert.fixture(
      readFileSync(join(runs[0]!.dir, 'config.yaml'), 'utf8'),
      run.cluster.node(NODE).bundle.kubeadm.config,
    );
    assert.equal(again.results.phasesNotDone(), []);
  }),
);

StockNspawn(
  'the reboot installs nothing again: no download, no apt-get, no request to the server',
  work.check(async () => {
    const { run, first, again, servedBeforeReboot } = await machine();
    assert.is(run.server.requests.length, servedBeforeReboot, 'the rebooted machine asked the server for nothing');
    const secondBoot = again.results.text('kubeseed-boot.log').slice(first.results.text('kubeseed-boot.log').length);
    assert.match(secondBoot, /nothing to do/);
    assert.not.match(secondBoot, /apt-get/);
    assert.not.match(again.results.text('journal.txt'), /kubeseed: fetching/);
  }),
);

StockNspawn(
  'the boot’s steps came in order: the agent’s download, then the install phase, then kubeadm',
  work.check(async () => {
    const { first } = await machine();
    const timings = bootTimings(first);
    console.log(
      `  power-on to kubeadm init: ${timings.toKubeadm.toFixed(1)} s (download ${timings.download.toFixed(1)} s, install ${timings.install.toFixed(1)} s, the rest ${timings.rest.toFixed(1)} s)`,
    );
    assert.ok(timings.download > 0 && timings.install > 0 && timings.rest > 0, JSON.stringify(timings));
  }),
);

StockNspawn(
  'no failed units on either boot',
  work.check(async () => {
    const { first, again } = await machine();
    assert.equal(first.results.failedUnits(), []);
    assert.equal(again.results.failedUnits(), []);
  }),
);

StockNspawn.run();
