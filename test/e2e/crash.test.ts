// Power lost in the middle of a phase: on the init node's first boot the stand-in kubeadm
// does its work and then hangs (a rule in its control file), and the machine is killed
// there. The next boot from the same disk must resume: redo nothing that was done, reset
// the half-finished kubeadm try, run it again and finish.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { E2eCluster } from './cluster.ts';
import { collectedResults, type GuestResults, StandinLog } from './guest-results.ts';
import type { BootResult } from './machine.ts';
import { bootNspawn, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { e2eImage } from './rootfs.ts';
import { NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';
const STANDIN_LOG = 'var/log/kubeseed-standins';
const KUBEADM_INIT = 'kubeadm init --config /etc/kubeseed/kubeadm.yaml';

interface Crashed {
  /** The agent's state file as the power cut left it. */
  stateAtCrash: { phases: Record<string, { status: string; attempts: number }>; completedAt?: string };
  leftovers: string[];
  /** Stand-in calls made before the power cut. */
  callsBeforeCrash: number;
  after: GuestResults;
}

const work = new E2eWorkDir('crash');
let crashed: Promise<Crashed> | undefined;

/**
 * Whether a stand-in kubeadm call is hanging: its `hanging` marker exists. Only the marker
 * is looked at: a call's directory appears before its argv is written (lib.sh), so
 * reading calls while the machine runs can catch one half-recorded.
 */
function hangingKubeadm(disk: string): boolean {
  const calls = join(disk, STANDIN_LOG, 'calls');
  return (
    existsSync(calls) &&
    readdirSync(calls).some((entry) => entry.endsWith('-kubeadm') && existsSync(join(calls, entry, 'hanging')))
  );
}

async function crashAndResume(): Promise<Crashed> {
  const image = await e2eImage();
  const cluster = new E2eCluster(await work.resultDir('cluster'));
  const disk = await work.machineDisk(NODE, image.rootfs);
  const seed = cluster.seedDir(NODE);
  mkdirSync(join(disk, STANDIN_LOG, 'control'), { recursive: true });
  writeFileSync(join(disk, STANDIN_LOG, 'control', 'kubeadm'), 'hang-after 1 init\n');

  const firstOut = await work.resultDir('first-boot');
  const first = bootNspawn({
    name: NODE,
    rootfs: disk,
    volatile: false,
    seed,
    out: firstOut,
    timeoutMs: NSPAWN_BOOT_LIMIT_MS,
  });
  let ended: BootResult | undefined;
  void first.finished.then((result) => (ended = result)).catch(() => undefined);
  while (!ended && !hangingKubeadm(disk)) await delay(200);
  if (ended) {
    const how = ended.timedOut ? 'timed out' : `exited ${ended.code ?? ended.signal}`;
    const calls = new StandinLog(join(disk, STANDIN_LOG)).commands();
    throw new Error(
      `the first boot ended (${how}, after ${ended.seconds.toFixed(1)} s) before kubeadm hung; stand-in calls: ${calls.join('; ') || 'none'}; see ${firstOut}/console.log`,
    );
  }
  first.cutPower();
  const cut = await first.finished;
  console.log(`  crash: first-boot: power cut after ${cut.seconds.toFixed(1)} s, with kubeadm init hanging`);

  const stateAtCrash = JSON.parse(
    readFileSync(join(disk, 'var/lib/kubeseed/state.json'), 'utf8'),
  ) as Crashed['stateAtCrash'];
  const leftovers = readdirSync(join(disk, 'etc/kubernetes')).filter((name) => name.endsWith('.conf'));
  const callsBeforeCrash = new StandinLog(join(disk, STANDIN_LOG)).commands().length;
  const secondOut = await work.resultDir('second-boot');
  const second = bootNspawn({
    name: NODE,
    rootfs: disk,
    volatile: false,
    seed,
    out: secondOut,
    timeoutMs: NSPAWN_BOOT_LIMIT_MS,
  });
  return {
    stateAtCrash,
    leftovers,
    callsBeforeCrash,
    after: collectedResults('crash: second-boot', secondOut, await second.finished),
  };
}

function scenario(): Promise<Crashed> {
  crashed ??= crashAndResume();
  return crashed;
}

const Crash = needing(suite('e2e: power cut during stand-in kubeadm init, then the next boot (systemd-nspawn)'), {
  root: true,
  tools: NSPAWN_TOOLS,
});

Crash.after(() => work.finish());

Crash(
  'the power cut left the stand-in kubeadm running in the state file and its files on disk',
  work.check(async () => {
    const { stateAtCrash, leftovers } = await scenario();
    assert.is(stateAtCrash.phases.kubeadm?.status, 'running');
    assert.is(stateAtCrash.phases.runtime?.status, 'done');
    assert.is(stateAtCrash.completedAt, undefined);
    assert.ok(
      leftovers.includes('admin.conf') && leftovers.includes('kubelet.conf'),
      `left in /etc/kubernetes: ${leftovers.join(', ')}`,
    );
  }),
);

Crash(
  'the next boot reset the interrupted try and ran stand-in kubeadm init again',
  work.check(async () => {
    const { after, callsBeforeCrash } = await scenario();
    const commands = after.standins.commands();
    assert.is(commands[callsBeforeCrash - 1], KUBEADM_INIT, 'the hung call was the last before the power cut');
    const resumed = commands.slice(callsBeforeCrash).filter((command) => command.startsWith('kubeadm'));
    assert.equal(resumed, ['kubeadm version -o short', 'kubeadm reset -f', KUBEADM_INIT]);
    const log = after.text('kubeseed-boot.log');
    assert.match(log, 'WARN kubeadm was interrupted; running it again');
    assert.match(log, /WARN kubeadm .*admin\.conf.* left by a kubeadm run that did not finish; resetting first/);
  }),
);

Crash(
  'phases finished before the power cut were not run again',
  work.check(async () => {
    const { after } = await scenario();
    const log = after.text('kubeseed-boot.log');
    const secondBoot = log.slice(log.lastIndexOf('INFO bundle '));
    for (const phase of ['host', 'runtime', 'images', 'pki']) {
      assert.match(secondBoot, `INFO ${phase} already done`);
      assert.not.match(secondBoot, `INFO ${phase} started`);
    }
  }),
);

Crash(
  'the node finished: every phase done, bootstrapped, no failed units',
  work.check(async () => {
    const { after } = await scenario();
    assert.match(after.text('kubeseed-status.txt'), /^bootstrapped at /m);
    const phases = after.phases();
    for (const phase of ['install', 'preflight', 'host', 'runtime', 'images', 'pki', 'kubeadm', 'addons', 'finish'])
      assert.is(phases[phase], 'done', phase);
    assert.ok(existsSync(join(after.dir, 'completed.json')));
    assert.equal(after.failedUnits(), []);
  }),
);

Crash.run();
