// The maintenance timers on a real systemd: the init control plane of the e2e cluster
// boots in systemd-nspawn from its generated user-data, and after kubeseed-boot finished
// both timers are enabled and waiting, and the renewal service, started by hand, runs its
// command under systemd against the stand-in kubeadm; the worker has none.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { E2eCluster } from './cluster.ts';
import { collectedResults, type GuestResults } from './guest-results.ts';
import { bootNspawn, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { e2eImage } from './rootfs.ts';
import { NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const TIMERS = ['kubeseed-cert-renewal.timer', 'kubeseed-etcd-snapshot.timer'];

const work = new E2eWorkDir('day-two-timers');
let booted: Promise<Record<'init' | 'worker', GuestResults>> | undefined;

async function boot(): Promise<Record<'init' | 'worker', GuestResults>> {
  const image = await e2eImage();
  const cluster = new E2eCluster(await work.resultDir('cluster'));
  const pick = (role: 'init' | 'worker') => cluster.nodes.find((node) => node.role === role)!;
  const [init, worker] = await Promise.all(
    (['init', 'worker'] as const).map(async (role) => {
      const node = pick(role);
      const out = await work.resultDir(node.name);
      const machine = bootNspawn({
        name: `timers-${node.name}`,
        rootfs: image.rootfs,
        volatile: true,
        seed: cluster.seedDir(node.name),
        out,
        binds:
          role === 'init'
            ? { [await work.resultDir('start-cert-renewal')]: '/etc/kubeseed-e2e/start-cert-renewal' }
            : { [cluster.apiserverDir(node.name)]: '/etc/kubeseed-e2e/apiserver' },
        timeoutMs: NSPAWN_BOOT_LIMIT_MS,
      });
      return collectedResults(`day-two timers: ${node.name}`, out, await machine.finished);
    }),
  );
  return { init: init!, worker: worker! };
}

/** `systemctl show` output for several units: blank-line separated blocks of KEY=VALUE. */
function units(text: string): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  for (const block of text.trim().split(/\n\s*\n/)) {
    const fields = Object.fromEntries(
      block.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    if (fields.Id) result[fields.Id] = fields;
  }
  return result;
}

const Timers = needing(
  suite('day-two e2e: maintenance timers enabled after finish (systemd-nspawn, stand-in kubeadm)'),
  {
    root: true,
    tools: NSPAWN_TOOLS,
  },
);

Timers.after(() => work.finish());

Timers(
  'on the init control plane both timers are enabled and waiting once kubeseed-boot finished',
  work.check(async () => {
    booted ??= boot();
    const { init } = await booted;
    assert.match(init.text('kubeseed-status.txt'), /^bootstrapped at /m);
    assert.match(init.text('kubeseed-status.txt'), /^maintenance\s+done/m);
    const shown = units(init.text('timers.txt'));
    for (const timer of TIMERS) {
      assert.is(shown[timer]?.UnitFileState, 'enabled', `${timer}: ${init.text('timers.txt')}`);
      assert.is(shown[timer]?.ActiveState, 'active', timer);
      assert.is(shown[timer]?.SubState, 'waiting', timer);
      assert.is(shown[timer]?.FragmentPath, `/etc/systemd/system/${timer}`);
    }
    assert.match(init.text('list-timers.txt'), /kubeseed-cert-renewal\.timer\s+kubeseed-cert-renewal\.service/);
    const renewal = units(init.text('cert-renewal.txt'))['kubeseed-cert-renewal.service'];
    assert.is(renewal?.Result, 'success', `${init.text('cert-renewal.txt')}${init.text('cert-renewal-start.txt')}`);
    assert.is(renewal?.ExecMainStatus, '0');
    assert.match(
      init.text('kubeseed-status-after-renewal.txt'),
      /^certificate check: not-due at \S+: nothing expires within 30 days/m,
    );
    const phases = init.phases();
    assert.is(phases.maintenance, 'done');
    assert.is(phases.finish, 'done');
  }),
);

Timers(
  'a worker gets no maintenance timers',
  work.check(async () => {
    booted ??= boot();
    const { worker } = await booted;
    assert.match(worker.text('kubeseed-status.txt'), /^maintenance\s+skipped/m);
    const shown = units(worker.text('timers.txt'));
    for (const timer of TIMERS) assert.not.equal(shown[timer]?.UnitFileState, 'enabled', timer);
  }),
);

Timers.run();
