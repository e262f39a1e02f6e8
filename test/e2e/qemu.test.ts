// The init node's first boot on a real kernel (qemu, TCG): the seed ISO `kubeseed media
// seed` makes, cloud-init finding it as a disk labelled cidata, and kubeseed-boot doing
// the kernel side for real, which systemd-nspawn cannot show: modules, sysctls, cgroup v2,
// and containerd restarted on the agent's configuration.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OWNED_HEADER } from '../../bootstrap/paths.ts';
import { needing } from '../helpers/tools.ts';
import { E2eCluster, type E2eNode, scrubbedBundleText } from './cluster.ts';
import { e2eDisk } from './disk.ts';
import { collectedResults, type GuestResults } from './guest-results.ts';
import { bootQemu, QEMU_BOOT_LIMIT_MS } from './qemu.ts';
import { QEMU_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';

interface Booted {
  node: E2eNode;
  result: GuestResults;
}

const work = new E2eWorkDir('qemu');
let booted: Promise<Booted> | undefined;

async function bootVm(): Promise<Booted> {
  const image = await e2eDisk();
  const cluster = new E2eCluster(await work.resultDir('cluster'));
  const out = await work.resultDir(NODE);
  const machine = bootQemu({
    image,
    seedIso: cluster.seedIso(NODE),
    out,
    cpus: 2,
    memoryMiB: 2048,
    timeoutMs: QEMU_BOOT_LIMIT_MS,
  });
  return { node: cluster.node(NODE), result: collectedResults(`qemu: ${NODE}`, out, await machine.finished) };
}

function vm(): Promise<Booted> {
  booted ??= bootVm();
  return booted;
}

const Qemu = needing(
  suite('e2e: first boot of the init node on a real kernel (qemu; stand-in kubeadm, kubelet, kubectl)'),
  { root: true, tools: QEMU_TOOLS },
);

Qemu.after(() => work.finish());

Qemu(
  'cloud-init read the seed ISO from `kubeseed media seed` and wrote the bundle (scrubbed after finish), byte for byte, mode 0600',
  work.check(async () => {
    const { node, result } = await vm();
    assert.match(result.text('cloud-init-status.txt'), /^status: done$/m);
    const { v1 } = JSON.parse(result.text('result.json')) as { v1: { datasource: string; errors: string[] } };
    assert.match(v1.datasource, /NoCloud \[seed=\/dev\/vd/, 'the seed came from a disk, not a directory');
    assert.equal(v1.errors, []);
    assert.not.match(result.text('cloud-init.log'), 'Invalid cloud-config provided', 'cloud-init’s schema check');
    const onMachine = result.text('node.yaml');
    assert.fixture(
      onMachine,
      scrubbedBundleText(node, onMachine),
      '/etc/kubeseed/node.yaml differs from the generated bundle',
    );
    assert.is(result.text('node.yaml.mode').trim(), '600');
  }),
);

Qemu(
  'kubeseed-boot bootstrapped the node without any container fallback: stand-in kubeadm init once, every phase done',
  work.check(async () => {
    const { node, result } = await vm();
    assert.match(result.text('kubeseed-status.txt'), /^bootstrapped at /m);
    assert.equal(result.phasesNotDone(), []);
    const runs = result.standins.kubeadmRuns();
    assert.equal(
      runs.map((call) => call.argv[0]),
      ['init'],
    );
    assert.fixture(readFileSync(`${runs[0]!.dir}/config.yaml`, 'utf8'), node.bundle.kubeadm.config);
    // modprobe and sysctl --system both worked: the host phase warns when it has to fall back.
    assert.not.match(result.text('kubeseed-boot.log'), / WARN host /);
  }),
);

Qemu(
  'containerd runs under cgroup v2 on the configuration the runtime phase wrote: systemd cgroups, the bundle’s sandbox image',
  work.check(async () => {
    const { node, result } = await vm();
    const [fsType, controllers, ...containerdCgroups] = result.text('cgroup.txt').trimEnd().split('\n');
    assert.is(fsType, 'cgroup2fs');
    assert.ok(controllers!.split(' ').includes('memory'), `controllers: ${controllers}`);
    assert.equal(containerdCgroups, ['0::/system.slice/containerd.service']);
    assert.ok(result.text('config.toml').startsWith(OWNED_HEADER), '/etc/containerd/config.toml is the agent’s');
    const effective = result.text('containerd-config-dump.toml');
    assert.match(effective, /^\s*SystemdCgroup = true$/m);
    assert.match(effective, `sandbox_image = "${node.bundle.runtime.sandboxImage}"`);
    assert.match(result.text('ctr-version.txt'), /^Server:\n\s+Version:/m, 'ctr reaches the daemon');
    const agentStarted = Number(result.unit('kubeseed-boot.service').ExecMainStartTimestampMonotonic);
    const containerdStarted = Number(result.unit('containerd.service').ExecMainStartTimestampMonotonic);
    assert.ok(containerdStarted > agentStarted, 'the running containerd is the one the agent restarted');
  }),
);

Qemu(
  'no failed units',
  work.check(async () => {
    const { result } = await vm();
    assert.equal(result.failedUnits(), []);
  }),
);

Qemu.run();
