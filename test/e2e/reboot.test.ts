// A reboot of a bootstrapped node: the init node boots twice from its own copy of the
// image (its disk), so the second boot finds everything the first one left. A finished
// node must not run kubeadm again or change its recorded progress, and the kubelet the
// agent enabled must come back by itself.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { E2eCluster } from './cluster.ts';
import { collectedResults, type GuestResults } from './guest-results.ts';
import { bootNspawn, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { e2eImage } from './rootfs.ts';
import { NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';

interface Booted {
  first: GuestResults;
  second: GuestResults;
}

const work = new E2eWorkDir('reboot');
let booted: Promise<Booted> | undefined;

async function bootTwice(): Promise<Booted> {
  const image = await e2eImage();
  const cluster = new E2eCluster(await work.resultDir('cluster'));
  const disk = await work.machineDisk(NODE, image.rootfs);
  const seed = cluster.seedDir(NODE);
  const boot = async (label: string) => {
    const out = await work.resultDir(label);
    const machine = bootNspawn({
      name: NODE,
      rootfs: disk,
      volatile: false,
      seed,
      out,
      timeoutMs: NSPAWN_BOOT_LIMIT_MS,
    });
    return collectedResults(`reboot: ${label}`, out, await machine.finished);
  };
  const first = await boot('first-boot');
  return { first, second: await boot('second-boot') };
}

function boots(): Promise<Booted> {
  booted ??= bootTwice();
  return booted;
}

const Reboot = needing(suite('e2e: reboot of a bootstrapped node in systemd-nspawn (stand-in kubeadm, kubelet)'), {
  root: true,
  tools: NSPAWN_TOOLS,
});

Reboot.after(() => work.finish());

Reboot(
  'the first boot bootstraps the node',
  work.check(async () => {
    const { first } = await boots();
    assert.match(first.text('kubeseed-status.txt'), /^bootstrapped at /m);
    assert.is(first.standins.kubeadmRuns().length, 1);
  }),
);

Reboot(
  'the second boot runs no stand-in kubeadm at all and leaves the recorded progress as it was',
  work.check(async () => {
    const { first, second } = await boots();
    const calls = (result: typeof first) => result.standins.calls('kubeadm').map((call) => call.argv.join(' '));
    assert.ok(calls(first).includes('init --config /etc/kubeseed/kubeadm.yaml'), calls(first).join('\n'));
    // The stand-ins' log survives the reboot: the second boot's list is the first's, nothing added.
    assert.equal(calls(second), calls(first), 'every kubeadm call (version, images, init) is the first boot’s');
    assert.fixture(second.text('kubeseed-status.txt'), first.text('kubeseed-status.txt'));
    assert.fixture(second.text('state.json'), first.text('state.json'));
    assert.fixture(second.text('completed.json'), first.text('completed.json'));
    const said = second
      .journal()
      .filter((entry) => entry.SYSLOG_IDENTIFIER === 'kubeseed-boot')
      .map((entry) => entry.MESSAGE);
    assert.ok(
      said.some((line) => / INFO run node bootstrapped at .*; nothing to do/.test(line ?? '')),
      `kubeseed-boot said: ${said.join('\n')}`,
    );
    assert.is(second.unit('kubeseed-boot.service').SubState, 'exited');
  }),
);

Reboot(
  'the stand-in kubelet the agent enabled starts again by itself',
  work.check(async () => {
    const { second } = await boots();
    const kubelet = second.unit('kubelet.service');
    assert.is(kubelet.UnitFileState, 'enabled');
    assert.is(kubelet.ActiveState, 'active');
    const starts = readFileSync(`${second.dir}/standins/kubelet-starts`, 'utf8').trimEnd().split('\n');
    assert.is(starts.length, 2, 'started by kubeadm on the first boot, by systemd on the second');
  }),
);

Reboot(
  'both boots end with cloud-init done and no failed units',
  work.check(async () => {
    const { first, second } = await boots();
    for (const [label, result] of [
      ['first', first],
      ['second', second],
    ] as const) {
      assert.match(result.text('cloud-init-status.txt'), /^status: done$/m, label);
      assert.equal(result.failedUnits(), [], `${label} boot: failed units`);
    }
  }),
);

Reboot.run();
