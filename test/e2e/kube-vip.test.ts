// Three control planes and a worker of a cluster whose endpoint is a kube-vip address,
// booted together in systemd-nspawn from their generated user-data, in several orders: the
// init node first, the init node last (after every other node is already waiting for the
// API), and a mixed order in which the init node's first kubeadm init and a joining control
// plane's first join fail late, after kubeadm wrote its files, and are reset.
//
// Each machine has a private network and the stand-in kubelet runs no pods, so nothing
// holds the address for real: the address is a stand-in. The joining machines carry the TLS
// API server stand-in (test/e2e/guest/apiserver) for it, held until the test releases it,
// and the test releases it only once it has seen the init node's agent place the kube-vip
// manifest: the address answers after kube-vip is in place on the init node, never before.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { KUBE_VIP_IMAGE } from '../../images/kube-vip-image.ts';
import { needing } from '../helpers/tools.ts';
import { E2eCluster } from './cluster.ts';
import { collectedResults, type GuestResults, type StandinCall } from './guest-results.ts';
import type { Machine } from './machine.ts';
import { bootNspawn, guestPath, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { E2E_KUBERNETES_VERSION, e2eImage } from './rootfs.ts';
import { NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

/** How long the test waits for what a guest is to do while it boots (a busy two-core machine). */
const EVENT_TIMEOUT_MS = 6 * 60_000;
const INIT_NODE = 'cp-1';
const VIP = '192.0.2.10';
const KUBEADM_CONFIG = '/etc/kubeseed/kubeadm.yaml';
const MANIFEST = '/etc/kubernetes/manifests/kube-vip.yaml';
const AGENT_LOG = '/var/log/kubeseed-boot.log';
const WAITING = 'waiting for the API server';

const SPEC = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: e2e-vip
kubernetesVersion: ${E2E_KUBERNETES_VERSION}
controlPlaneEndpoint:
  vip: ${VIP}
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
machineImage: prepared
nodes:
  - {name: cp-1, role: control-plane, address: 192.0.2.11}
  - {name: cp-2, role: control-plane, address: 192.0.2.12}
  - {name: cp-3, role: control-plane, address: 192.0.2.13}
  - {name: w-1, role: worker, address: 192.0.2.21}
`;

interface Order {
  name: string;
  /** Booted at once, in this order. */
  together: string[];
  /** Booted once every node of `together` is waiting for the API. */
  last?: string;
  /** kubeadm init or join fails once, late, on these nodes (a rule for the stand-in kubeadm). */
  failOnce?: Record<string, 'init' | 'join'>;
}

const ORDERS: Order[] = [
  { name: 'init-first', together: ['cp-1', 'cp-2', 'cp-3', 'w-1'] },
  { name: 'init-last', together: ['cp-2', 'w-1', 'cp-3'], last: INIT_NODE },
  {
    name: 'mixed-with-failures',
    together: ['w-1', 'cp-3', 'cp-1', 'cp-2'],
    failOnce: { 'cp-1': 'init', 'cp-3': 'join' },
  },
];

interface Round {
  order: Order;
  results: Record<string, GuestResults>;
  /** The init node's manifest as the test saw it appear, before it released the address. */
  manifestAtRelease: string;
}

interface Booted {
  cluster: E2eCluster;
  rounds: Round[];
}

const work = new E2eWorkDir('kube-vip');
let booted: Promise<Booted> | undefined;

/** Polls `check` until it returns a value; fails with `what` and the machines' state after `timeoutMs`. */
async function waitFor<T>(what: string, check: () => T | undefined, machines: Map<string, Machine>): Promise<T> {
  const deadline = Date.now() + EVENT_TIMEOUT_MS;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    const stopped = [...machines].filter(([, machine]) => machine.pid === undefined).map(([name]) => name);
    if (Date.now() > deadline || (stopped.length > 0 && stopped.length === machines.size))
      throw new Error(`timed out waiting for ${what} (stopped machines: ${stopped.join(', ') || 'none'})`);
    await delay(250);
  }
}

function readGuest(machine: Machine, path: string): string | undefined {
  const onHost = guestPath(machine, path);
  try {
    return onHost === undefined ? undefined : readFileSync(onHost, 'utf8');
  } catch {
    return undefined;
  }
}

async function bootRound(cluster: E2eCluster, order: Order): Promise<Round> {
  const image = await e2eImage();
  const joiners = cluster.nodes.filter((node) => node.role !== 'init').map((node) => node.name);
  const apiserverDirs: Record<string, string> = {};
  for (const name of joiners) {
    const dir = await work.resultDir(`${order.name}/apiserver/${name}`);
    const made = cluster.apiserverDir(name);
    for (const file of ['endpoint', 'tls.crt', 'tls.key']) await copyFile(join(made, file), join(dir, file));
    writeFileSync(join(dir, 'hold'), 'released by the test once the init node has placed kube-vip\n');
    apiserverDirs[name] = dir;
  }
  const machines = new Map<string, Machine>();
  const finished: Promise<[string, GuestResults]>[] = [];
  const boot = async (name: string) => {
    const out = await work.resultDir(`${order.name}/${name}`);
    const writableBinds: Record<string, string> = {};
    const failing = order.failOnce?.[name];
    if (failing) {
      const control = await work.resultDir(`${order.name}/control/${name}`);
      writeFileSync(join(control, 'kubeadm'), `fail-after 1 ${failing}\n`);
      writeFileSync(join(control, 'kubeadm.stderr'), `stand-in: kubeadm ${failing} failing once, late, as told\n`);
      writableBinds[control] = '/var/log/kubeseed-standins/control';
    }
    const machine = bootNspawn({
      name,
      rootfs: image.rootfs,
      volatile: true,
      seed: cluster.seedDir(name),
      out,
      binds: name in apiserverDirs ? { [apiserverDirs[name]!]: '/etc/kubeseed-e2e/apiserver' } : {},
      writableBinds,
      timeoutMs: NSPAWN_BOOT_LIMIT_MS,
    });
    machines.set(name, machine);
    finished.push(
      machine.finished.then((result) => [name, collectedResults(`kube-vip ${order.name}: ${name}`, out, result)]),
    );
  };

  let manifestAtRelease: string;
  try {
    for (const name of order.together) await boot(name);
    if (order.last) {
      for (const name of order.together) {
        await waitFor(
          `${name} to log "${WAITING}"`,
          () => (readGuest(machines.get(name)!, AGENT_LOG)?.includes(WAITING) ? true : undefined),
          machines,
        );
      }
      await boot(order.last);
    }
    manifestAtRelease = await waitFor(
      `${INIT_NODE}'s agent to place ${MANIFEST}`,
      () => readGuest(machines.get(INIT_NODE)!, MANIFEST),
      machines,
    );
  } catch (error) {
    // The machines would otherwise run on, waiting, until their time limit.
    for (const machine of machines.values()) machine.cutPower();
    throw error;
  }
  for (const dir of Object.values(apiserverDirs)) writeFileSync(join(dir, 'release'), '');
  const results = Object.fromEntries(await Promise.all(finished));
  return { order, results, manifestAtRelease };
}

async function bootAll(): Promise<Booted> {
  const cluster = new E2eCluster(await work.resultDir('cluster'), SPEC);
  const rounds: Round[] = [];
  // One order at a time: four machines at once are what a busy two-core machine can take.
  for (const order of ORDERS) rounds.push(await bootRound(cluster, order));
  return { cluster, rounds };
}

async function scenario(): Promise<Booted> {
  booted ??= bootAll();
  const result = await booted;
  assert.equal(
    result.cluster.nodes.map((node) => [node.name, node.role]),
    [
      ['cp-1', 'init'],
      ['cp-2', 'control-plane'],
      ['cp-3', 'control-plane'],
      ['w-1', 'worker'],
    ],
  );
  return result;
}

function runs(round: Round, name: string): StandinCall[] {
  return round.results[name]!.standins.kubeadmRuns();
}

/** The manifests directory as each kubeadm init/join found it (the stand-in records it). */
function manifestsAtEachTry(round: Round, name: string): string[] {
  return runs(round, name).map((call) => readFileSync(join(call.dir, 'manifests'), 'utf8').trim());
}

const KubeVip = needing(
  suite(
    'e2e: three control planes and a worker behind a kube-vip address, booted together (stand-in kubeadm and address)',
  ),
  { root: true, tools: NSPAWN_TOOLS },
);

KubeVip.after(() => work.finish());

KubeVip(
  'in every order only the init node ran kubeadm init, and its init succeeded once',
  work.check(async () => {
    const { cluster, rounds } = await scenario();
    for (const round of rounds) {
      const label = round.order.name;
      for (const node of cluster.nodes) {
        const inits = runs(round, node.name).filter((call) => call.argv[0] === 'init');
        if (node.role !== 'init') {
          assert.is(inits.length, 0, `${label}: ${node.name} ran kubeadm init`);
          continue;
        }
        const failedFirst = round.order.failOnce?.[node.name] === 'init';
        assert.is(inits.length, failedFirst ? 2 : 1, `${label}: kubeadm init tries on ${node.name}`);
        for (const call of inits) assert.equal(call.argv, ['init', '--config', KUBEADM_CONFIG], label);
      }
    }
  }),
);

KubeVip(
  'in every order three nodes joined: two control planes and the worker, each once the address answered over TLS',
  work.check(async () => {
    const { cluster, rounds } = await scenario();
    for (const round of rounds) {
      const label = round.order.name;
      for (const node of cluster.nodes.filter((candidate) => candidate.role !== 'init')) {
        const joins = runs(round, node.name);
        const failedFirst = round.order.failOnce?.[node.name] === 'join';
        assert.equal(
          joins.map((call) => call.argv),
          Array.from({ length: failedFirst ? 2 : 1 }, () => ['join', '--config', KUBEADM_CONFIG]),
          `${label}: ${node.name}`,
        );
        assert.is(readFileSync(join(joins.at(-1)!.dir, 'config.yaml'), 'utf8'), node.bundle.kubeadm.config);
        const log = round.results[node.name]!.text('kubeseed-boot.log');
        const waiting = log.indexOf(`${WAITING} at ${VIP}:6443`);
        const answered = log.indexOf(`the API server at ${VIP}:6443 answers over TLS verified with the cluster CA`);
        assert.ok(waiting >= 0 && answered > waiting, `${label}: ${node.name} waited for ${VIP}, then it answered`);
      }
      for (const node of cluster.nodes) {
        const result = round.results[node.name]!;
        assert.match(result.text('kubeseed-status.txt'), /^bootstrapped at /m, `${label}: ${node.name}`);
        for (const [phase, status] of Object.entries(result.phases()))
          assert.ok(['done', 'skipped'].includes(status), `${label}: ${node.name}: ${phase} is ${status}`);
      }
    }
  }),
);

KubeVip(
  'kube-vip.yaml was in the manifests directory at every try on every control plane, after a failed try and its reset too; never on the worker',
  work.check(async () => {
    const { cluster, rounds } = await scenario();
    for (const round of rounds) {
      for (const node of cluster.nodes) {
        const found = manifestsAtEachTry(round, node.name);
        const expected = node.role === 'worker' ? '' : 'kube-vip.yaml';
        assert.equal(
          found,
          found.map(() => expected),
          `${round.order.name}: ${node.name}`,
        );
        assert.is(existsSync(join(round.results[node.name]!.dir, 'kube-vip.yaml')), node.role !== 'worker');
      }
    }
    const mixed = rounds.find((round) => round.order.failOnce)!;
    for (const [name, command] of Object.entries(mixed.order.failOnce!)) {
      const kubeadm = mixed.results[name]!.standins.commands().filter((line) =>
        /^kubeadm (init|join|reset)/.test(line),
      );
      const tried = `kubeadm ${command} --config ${KUBEADM_CONFIG}`;
      assert.equal(kubeadm, [tried, 'kubeadm reset -f', tried], `${name}: a failed try, its reset, the next try`);
    }
  }),
);

KubeVip(
  "each control plane's manifest is a Pod with the pinned image: super-admin.conf on the init node, admin.conf elsewhere",
  work.check(async () => {
    const { cluster, rounds } = await scenario();
    for (const round of rounds) {
      for (const node of cluster.nodes.filter((candidate) => candidate.role !== 'worker')) {
        const result = round.results[node.name]!;
        const text = result.text('kube-vip.yaml');
        assert.is(text, node.bundle.kubeVip!.manifest, `${round.order.name}: ${node.name}`);
        const pod = parse(text) as {
          kind: string;
          spec: { containers: { image: string }[]; volumes: { name: string; hostPath: { path: string } }[] };
        };
        assert.is(pod.kind, 'Pod');
        assert.is(pod.spec.containers[0]!.image, KUBE_VIP_IMAGE);
        const kubeconfig = pod.spec.volumes.find((volume) => volume.name === 'kubeconfig')!.hostPath.path;
        assert.is(
          kubeconfig,
          node.role === 'init' ? '/etc/kubernetes/super-admin.conf' : '/etc/kubernetes/admin.conf',
          node.name,
        );
        assert.match(result.text('kube-vip.hosts'), /^127\.0\.0\.1 localhost kubernetes$/m);
      }
      assert.is(round.manifestAtRelease, cluster.node(INIT_NODE).bundle.kubeVip!.manifest);
    }
  }),
);

KubeVip(
  "the init node's status says why super-admin.conf stays; the joining control planes never had one",
  work.check(async () => {
    const { rounds } = await scenario();
    for (const round of rounds) {
      assert.match(
        round.results[INIT_NODE]!.text('kubeseed-status.txt'),
        /^super-admin\.conf: stays at \/etc\/kubernetes\/super-admin\.conf, root only \(0600\): kube-vip on this node authenticates with it/m,
      );
      for (const name of ['cp-2', 'cp-3']) assert.is(round.results[name]!.phases()['super-admin'], 'skipped');
    }
  }),
);

KubeVip(
  'no failed units on any machine, in any order',
  work.check(async () => {
    const { cluster, rounds } = await scenario();
    for (const round of rounds)
      for (const node of cluster.nodes)
        assert.equal(round.results[node.name]!.failedUnits(), [], `${round.order.name}: ${node.name}`);
  }),
);

KubeVip.run();
