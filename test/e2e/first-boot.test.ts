// A whole cluster's first boot in systemd-nspawn: the generated user-data of one init
// control plane, one joining control plane and two workers, each read by cloud-init from
// a NoCloud seed, kubeseed-boot started by its unit, the stand-in kubeadm doing the rest.
// Joining nodes get an API server stand-in on the endpoint (test/e2e/guest/apiserver):
// each machine has a private network, so there is no init node to reach.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { E2eCluster, scrubbedBundleText } from './cluster.ts';
import { collectedResults, type GuestResults, UNIT_STARTED, UNIT_STARTING } from './guest-results.ts';
import { bootNspawn, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { e2eImage } from './rootfs.ts';
import { NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const KUBEADM_CONFIG = '/etc/kubeseed/kubeadm.yaml';

interface Booted {
  cluster: E2eCluster;
  results: Record<string, GuestResults>;
}

const work = new E2eWorkDir('first-boot');
let booted: Promise<Booted> | undefined;

async function bootCluster(): Promise<Booted> {
  const image = await e2eImage();
  const cluster = new E2eCluster(await work.resultDir('cluster'));
  const results: Record<string, GuestResults> = {};
  await Promise.all(
    cluster.nodes.map(async (node) => {
      const out = await work.resultDir(node.name);
      const machine = bootNspawn({
        name: node.name,
        rootfs: image.rootfs,
        volatile: true,
        seed: cluster.seedDir(node.name),
        out,
        binds: node.role === 'init' ? {} : { [cluster.apiserverDir(node.name)]: '/etc/kubeseed-e2e/apiserver' },
        timeoutMs: NSPAWN_BOOT_LIMIT_MS,
      });
      results[node.name] = collectedResults(`first-boot: ${node.name}`, out, await machine.finished);
    }),
  );
  return { cluster, results };
}

/** The booted cluster; every test walks its nodes, so each first checks that all four booted. */
async function cluster(): Promise<Booted> {
  booted ??= bootCluster();
  const result = await booted;
  assert.equal(
    result.cluster.nodes.map((node) => node.role),
    ['init', 'control-plane', 'worker', 'worker'],
    'the four nodes of the e2e cluster',
  );
  assert.equal(Object.keys(result.results).sort(), result.cluster.nodes.map((node) => node.name).sort());
  return result;
}

const FirstBoot = needing(
  suite('e2e: first boot of a cluster in systemd-nspawn (stand-in kubeadm, kubelet, kubectl)'),
  { root: true, tools: NSPAWN_TOOLS },
);

FirstBoot.after(() => work.finish());

FirstBoot(
  'cloud-init read each NoCloud seed, found the user-data valid and finished with status done',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const result = results[node.name]!;
      assert.match(result.text('cloud-init-status.txt'), /^status: done$/m, node.name);
      const { v1 } = JSON.parse(result.text('result.json')) as { v1: { datasource: string; errors: string[] } };
      assert.match(v1.datasource, /NoCloud/, `${node.name}: datasource`);
      assert.equal(v1.errors, [], `${node.name}: cloud-init errors`);
      assert.not.match(
        result.text('cloud-init.log'),
        'Invalid cloud-config provided',
        `${node.name}: cloud-init's schema check`,
      );
    }
  }),
);

FirstBoot(
  'the bundle cloud-init wrote is the generated one (scrubbed after finish), byte for byte, mode 0600',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const result = results[node.name]!;
      const onMachine = result.text('node.yaml');
      assert.fixture(onMachine, scrubbedBundleText(node, onMachine), `${node.name}: /etc/kubeseed/node.yaml differs`);
      assert.is(result.text('node.yaml.mode').trim(), '600', node.name);
    }
  }),
);

FirstBoot(
  'kubeseed-boot started once, after network-online.target and containerd.service were up',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const result = results[node.name]!;
      const agent = result.unit('kubeseed-boot.service');
      const started = Number(agent.ExecMainStartTimestampMonotonic);
      assert.ok(started > 0, `${node.name}: kubeseed-boot never started`);
      assert.is(agent.NRestarts, '0', `${node.name}: kubeseed-boot restarted`);
      const networkOnline = Number(result.unit('network-online.target').ActiveEnterTimestampMonotonic);
      assert.ok(
        networkOnline > 0 && networkOnline <= started,
        `${node.name}: network-online.target at ${networkOnline} µs, agent at ${started} µs`,
      );
      // containerd's own timestamps are those of the agent's restart: its first start is in systemd's log.
      const agentStarting = result.pid1Step(UNIT_STARTING, 'kubeseed-boot.service');
      assert.ok(
        result.pid1Step(UNIT_STARTED, 'containerd.service') < agentStarting,
        `${node.name}: kubeseed-boot started before containerd was up`,
      );
      assert.ok(
        result.pid1Step(UNIT_STARTED, 'network-online.target') < agentStarting,
        `${node.name}: kubeseed-boot started before network-online.target`,
      );
    }
  }),
);

FirstBoot(
  'stand-in kubeadm ran once per node: init on the init node, join elsewhere, with the bundle’s configuration',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const runs = results[node.name]!.standins.kubeadmRuns();
      assert.is(runs.length, 1, `${node.name}: kubeadm init/join calls`);
      assert.equal(runs[0]!.argv, [node.role === 'init' ? 'init' : 'join', '--config', KUBEADM_CONFIG], node.name);
      assert.fixture(
        readFileSync(`${runs[0]!.dir}/config.yaml`, 'utf8'),
        node.bundle.kubeadm.config,
        `${node.name}: config kubeadm got`,
      );
    }
  }),
);

FirstBoot(
  'joining nodes waited for the API endpoint and went on once it answered TLS verified with the cluster CA',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const result = results[node.name]!;
      const log = result.text('kubeseed-boot.log');
      if (node.role === 'init') {
        assert.not.match(log, /waiting for the API server/, `${node.name}: the init node does not wait`);
        continue;
      }
      const waiting = log.indexOf(`waiting for the API server at ${generated.endpoint}`);
      const answered = log.indexOf(
        `the API server at ${generated.endpoint} answers over TLS verified with the cluster CA`,
      );
      assert.ok(waiting >= 0, `${node.name}: no "waiting for the API server" line`);
      assert.ok(answered > waiting, `${node.name}: no "answers over TLS" line after the wait`);
      const probes = result
        .journal()
        .filter(
          (entry) => entry.SYSLOG_IDENTIFIER === 'apiserver' && entry.MESSAGE?.includes('"GET /readyz HTTP/1.1" 200'),
        );
      assert.ok(probes.length > 0, `${node.name}: the API server stand-in saw no GET /readyz`);
    }
  }),
);

FirstBoot(
  '`kubeseed-boot status`: every phase done (or skipped for the role) and the node bootstrapped',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const result = results[node.name]!;
      assert.match(result.text('kubeseed-status.txt'), /^bootstrapped at /m, node.name);
      const phases = result.phases();
      assert.is(phases.kubeadm, 'done', `${node.name}: kubeadm`);
      assert.is(phases.finish, 'done', `${node.name}: finish`);
      assert.is(phases.pki, node.role === 'worker' ? 'skipped' : 'done', `${node.name}: pki`);
      assert.is(phases.addons, node.role === 'init' ? 'done' : 'skipped', `${node.name}: addons`);
      for (const [phase, status] of Object.entries(phases))
        assert.ok(['done', 'skipped'].includes(status), `${node.name}: ${phase} is ${status}`);
    }
  }),
);

FirstBoot(
  'the init node applied the pod network rendered from the template the image carries',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const applies = results[node.name]!.standins.calls('kubectl');
      if (node.role !== 'init') {
        assert.is(applies.length, 0, `${node.name}: only the init node installs add-ons`);
        continue;
      }
      assert.is(applies.length, 1, `${node.name}: kubectl calls`);
      assert.equal(applies[0]!.argv, [
        '--kubeconfig',
        '/etc/kubernetes/admin.conf',
        'apply',
        '-f',
        '/etc/kubeseed/addons/flannel.yaml',
      ]);
      const manifest = readFileSync(`${applies[0]!.dir}/manifest.yaml`, 'utf8');
      assert.match(manifest, '"Network": "10.244.0.0/16"');
      assert.not.match(manifest, '${', 'every placeholder filled');
    }
  }),
);

FirstBoot(
  'no failed units, and each machine is named for its node',
  work.check(async () => {
    const { cluster: generated, results } = await cluster();
    for (const node of generated.nodes) {
      const result = results[node.name]!;
      assert.equal(result.failedUnits(), [], `${node.name}: failed units`);
      assert.is(result.text('hostname.txt').trim(), node.name);
    }
  }),
);

FirstBoot.run();
