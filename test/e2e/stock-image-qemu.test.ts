// The stock Debian image as a VM with a real kernel (qemu, TCG), booted from the seed ISO
// `kubeseed media seed` makes, on a user-mode network that reaches nothing but the test's HTTP
// server: the user-data fetches kubeseed-boot with curl, the agent installs from the signed
// mirror, and what a container cannot show happens for real — the zram swap the image brings
// up is turned off for good, containerd 2.1.9 runs under cgroup v2 on the agent's configuration,
// the modules load and the sysctls apply.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OWNED_HEADER } from '../../bootstrap/paths.ts';
import { needing } from '../helpers/tools.ts';
import { KUBERNETES_VERSION } from './apt-repository.ts';
import { AGENT_PATH, bootStockQemu, prepareStock, type StockBoot, type StockRun } from './stock-machine.ts';
import { QEMU_TOOLS, STOCK_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';

const work = new E2eWorkDir('stock-image-qemu');
let booted: Promise<{ run: StockRun; boot: StockBoot }> | undefined;

async function bootVm() {
  const run = await prepareStock(work, { node: NODE, role: 'control-plane' }, true);
  try {
    return { run, boot: await bootStockQemu(work, run, NODE) };
  } finally {
    await run.close();
  }
}

function vm() {
  booted ??= bootVm();
  return booted;
}

const StockQemu = needing(
  suite(
    'e2e: stock Debian image → init node on a real kernel (qemu; user-data alone, real signed apt repository; stand-in kubeadm, kubelet, kubectl packages)',
  ),
  { root: true, tools: [...QEMU_TOOLS, ...STOCK_TOOLS] },
);

StockQemu.after(() => work.finish());

StockQemu(
  'cloud-init read the seed ISO, fetched kubeseed-boot over the network and checked its sha512',
  work.check(async () => {
    const { run, boot } = await vm();
    const result = boot.results;
    assert.match(result.text('cloud-init-status.txt'), /^status: done$/m);
    const { v1 } = JSON.parse(result.text('result.json')) as { v1: { datasource: string; errors: string[] } };
    assert.match(v1.datasource, /NoCloud \[seed=\/dev\/vd/);
    assert.equal(v1.errors, []);
    assert.match(
      result.text('cloud-init-output.log'),
      `kubeseed: installed /usr/local/bin/kubeseed-boot from ${run.base}${AGENT_PATH} (sha512 checked)`,
    );
    assert.is(run.server.requestsFor(AGENT_PATH).length, 1);
  }),
);

StockQemu(
  'the stand-in packages at exactly the bundle’s version, held; stand-in kubeadm init once; every phase done, the kernel side without a warning',
  work.check(async () => {
    const { boot } = await vm();
    const result = boot.results;
    const packages = result.text('packages.txt');
    for (const name of ['kubeadm', 'kubelet', 'kubectl'])
      assert.match(packages, new RegExp(`^${name} ${KUBERNETES_VERSION}-1\\.1 hi\\s*$`, 'm'));
    assert.match(packages, /^containerd 2\.1\.9\+ds1-5 ii\s*$/m);
    assert.equal(
      result.standins.kubeadmRuns().map((call) => call.argv[0]),
      ['init'],
    );
    assert.equal(result.phasesNotDone(), []);
    // modprobe and sysctl --system both worked: the host phase warns when it has to fall back.
    assert.not.match(result.text('kubeseed-boot.log'), / WARN host /);
  }),
);

StockQemu(
  'the zram swap the image brought up is off, and its generator configured to make none at the next boot',
  work.check(async () => {
    const { boot } = await vm();
    const result = boot.results;
    assert.ok(
      result.journal().some((entry) => entry.UNIT === 'dev-zram0.swap' && /Activated swap/.test(entry.MESSAGE ?? '')),
      'the stock image had zram swap on',
    );
    assert.equal(result.text('swaps.txt').trim().split('\n').slice(1), [], 'no swap at the end of the boot');
    assert.ok(result.text('zram-generator.conf').startsWith(OWNED_HEADER));
    assert.not.match(result.text('zram-generator.conf'), /^\[zram/m);
  }),
);

StockQemu(
  'containerd 2.1.9 runs under cgroup v2 on the agent’s configuration; no failed units',
  work.check(async () => {
    const { boot } = await vm();
    const result = boot.results;
    const [fsType, , ...containerdCgroups] = result.text('cgroup.txt').trimEnd().split('\n');
    assert.is(fsType, 'cgroup2fs');
    assert.equal(containerdCgroups, ['0::/system.slice/containerd.service']);
    const effective = result.text('containerd-config-dump.toml');
    assert.match(effective, /^\s*SystemdCgroup = true$/m);
    assert.match(effective, /^\s*bin_dirs = \['\/opt\/cni\/bin'\]$/m);
    assert.match(result.text('ctr-version.txt'), /^Server:\n\s+Version:\s+2\.1\.9/m);
    assert.equal(result.failedUnits(), []);
  }),
);

StockQemu.run();
