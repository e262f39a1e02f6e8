// The init node's first boot with the Ignition carrier, as on Flatcar: the real Ignition
// binary (Debian's, the one the initramfs runs) applies the generated config.ign to the
// machine's own copy of the e2e image, downloading kubeseed-boot from a server in this
// test, and the copy then boots in systemd-nspawn with cloud-init disabled: the bundle,
// the agent and its unit are all Ignition's doing. The copy is made to look like a
// machine without the agent: the image recipe's binary, unit and enablement are removed.
// Results are kept as the other boots' are (KUBESEED_E2E_KEEP=1), Ignition's log with them.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentBinaryPath } from '../../images/agent-binary/ensure.ts';
import { needing } from '../helpers/tools.ts';
import { E2eCluster, type E2eNode, scrubbedBundleText } from './cluster.ts';
import { exec } from './exec.ts';
import { collectedResults, type GuestResults, UNIT_STARTED, UNIT_STARTING } from './guest-results.ts';
import { bootNspawn, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { E2E_KUBERNETES_VERSION, e2eImage } from './rootfs.ts';
import { IGNITION, NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const IGNITION_TIMEOUT_MS = 10 * 60_000;
const NODE = 'cp-1';
const AGENT_URL_PATH = '/kubeseed-boot-linux-amd64';
const OPT_AGENT = '/opt/bin/kubeseed-boot';
const IMAGE_AGENT = '/usr/local/bin/kubeseed-boot';
const UNIT_PATH = '/etc/systemd/system/kubeseed-boot.service';
const TEMPLATES_DIR = 'usr/share/kubeseed/templates';
const WANTS_LINK = '/etc/systemd/system/multi-user.target.wants/kubeseed-boot.service';
const PRESET_DIR = '/etc/systemd/system-preset';
const PRESET = `${PRESET_DIR}/20-ignition.preset`;
const KUBEADM_CONFIG = '/etc/kubeseed/kubeadm.yaml';

function isLink(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
}

function clusterSpec(agentUrl: string, agentSha512: string): string {
  return `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: e2e-ignition
kubernetesVersion: ${E2E_KUBERNETES_VERSION}
controlPlaneEndpoint: 192.0.2.10:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
agent:
  amd64:
    url: ${agentUrl}
    sha512: ${agentSha512}
nodes:
  - name: ${NODE}
    role: control-plane
    address: 192.0.2.11
    carrier: ignition
`;
}

async function sha512Of(path: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Serves the built agent at AGENT_URL_PATH on 127.0.0.1, noting every request. */
async function serveAgent(binary: string): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const { size } = await stat(binary);
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (request.url !== AGENT_URL_PATH) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-length': size });
    createReadStream(binary).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${AGENT_URL_PATH}`, requests };
}

/**
 * What the initramfs does: Ignition's fetch-offline stage (which only notes that the config
 * needs the network, for the agent download), then its files stage writing into `root`.
 * Debian's build relabels for SELinux after writing: a policy of none and a no-op setfiles
 * let it finish; both go again afterwards, so the machine boots the image as it was.
 */
async function applyIgnition(config: string, root: string, dir: string): Promise<void> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'setfiles'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const selinuxConfig = join(root, 'etc/selinux/config');
  if (existsSync(selinuxConfig)) throw new Error(`${selinuxConfig} exists in the image: this test would replace it`);
  await mkdir(join(root, 'etc/selinux'), { recursive: true });
  await writeFile(selinuxConfig, 'SELINUX=disabled\nSELINUXTYPE=none\n');
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, IGNITION_CONFIG_FILE: config };
  const common = [
    '-platform',
    'file',
    '-root',
    root,
    '-config-cache',
    join(dir, 'cache.json'),
    '-state-file',
    join(dir, 'state'),
    '-neednet',
    join(dir, 'neednet'),
    '-log-to-stdout',
  ];
  let output = '';
  try {
    for (const stage of ['fetch-offline', 'files']) {
      output += await exec(IGNITION, ['-stage', stage, ...common], { timeoutMs: IGNITION_TIMEOUT_MS, env });
    }
  } finally {
    await rm(selinuxConfig);
    await writeFile(join(dir, 'ignition.log'), output);
  }
}

interface AfterIgnition {
  requests: string[];
  servedSha512: string;
  agentSha512: string;
  agentMode: number;
  unit: string;
  preset: string;
  hostname: string;
  /** Whether anything enabled the unit before the boot: only the preset may. */
  wantsLinkBeforeBoot: boolean;
}

interface Booted {
  node: E2eNode;
  ignition: AfterIgnition;
  result: GuestResults;
  /** Whether the unit is enabled on the machine's disk after the boot. */
  wantsLinkAfterBoot: boolean;
}

const work = new E2eWorkDir('ignition');
let booted: Promise<Booted> | undefined;

async function igniteAndBoot(): Promise<Booted> {
  const [image, binary] = await Promise.all([e2eImage(), agentBinaryPath('amd64')]);
  const servedSha512 = await sha512Of(binary);
  const served = await serveAgent(binary);
  try {
    const cluster = new E2eCluster(await work.resultDir('cluster'), clusterSpec(served.url, servedSha512));
    const node = cluster.node(NODE);
    const disk = await work.machineDisk(NODE, image.rootfs);
    // A machine like Flatcar: no agent and no add-on templates in the image. Whatever runs
    // must be what Ignition installed, and the pod network comes inline in the bundle.
    for (const path of [IMAGE_AGENT, UNIT_PATH, WANTS_LINK]) await rm(join(disk, path));
    await rm(join(disk, TEMPLATES_DIR), { recursive: true });
    // Ignition is the carrier: cloud-init must neither write files nor hold up the boot.
    await writeFile(join(disk, 'etc/cloud/cloud-init.disabled'), '');
    // Ignition enables units with a preset, and systemd applies presets only on a first
    // boot, which it recognises by this content (Flatcar's images ship it the same way).
    // The image's empty machine-id would get a transient id from nspawn instead, and the
    // unit would never be enabled.
    await writeFile(join(disk, 'etc/machine-id'), 'uninitialized\n');
    // A first boot also applies Debian's own presets and starts the first-boot wizard,
    // which the image's other boots never do. The image has no network for networkd to
    // wait for (a private network with only lo): enabled, its wait-online unit would fail
    // after two minutes. The wizard prompts on a console the container does not have.
    await mkdir(join(disk, PRESET_DIR), { recursive: true });
    await writeFile(
      join(disk, `${PRESET_DIR}/10-kubeseed-e2e.preset`),
      'disable systemd-networkd.service\ndisable systemd-networkd.socket\n',
    );
    await symlink('/dev/null', join(disk, 'etc/systemd/system/systemd-firstboot.service'));
    await applyIgnition(node.userDataPath, disk, await work.resultDir('ignition'));
    const ignition: AfterIgnition = {
      requests: served.requests,
      servedSha512,
      agentSha512: await sha512Of(join(disk, OPT_AGENT)),
      agentMode: statSync(join(disk, OPT_AGENT)).mode & 0o7777,
      unit: await readFile(join(disk, UNIT_PATH), 'utf8'),
      preset: await readFile(join(disk, PRESET), 'utf8'),
      hostname: await readFile(join(disk, 'etc/hostname'), 'utf8'),
      wantsLinkBeforeBoot: isLink(join(disk, WANTS_LINK)),
    };
    const out = await work.resultDir(NODE);
    // No seed: cloud-init is disabled and Ignition has written everything already.
    const machine = bootNspawn({ name: NODE, rootfs: disk, volatile: false, out, timeoutMs: NSPAWN_BOOT_LIMIT_MS });
    const result = collectedResults(`ignition: ${NODE}`, out, await machine.finished);
    return { node, ignition, result, wantsLinkAfterBoot: isLink(join(disk, WANTS_LINK)) };
  } finally {
    await new Promise((resolve) => served.server.close(resolve));
  }
}

function boot(): Promise<Booted> {
  booted ??= igniteAndBoot();
  return booted;
}

const Ignition = needing(
  suite(
    'e2e: first boot of an Ignition init node in systemd-nspawn (real Ignition; stand-in kubeadm, kubelet, kubectl)',
  ),
  { root: true, tools: [...NSPAWN_TOOLS, IGNITION] },
);

Ignition.after(() => work.finish());

Ignition(
  'real Ignition downloaded kubeseed-boot once from the URL in the spec, verified it, and wrote it 0755 to /opt/bin',
  work.check(async () => {
    const { ignition } = await boot();
    assert.equal(ignition.requests, [`GET ${AGENT_URL_PATH}`]);
    assert.is(ignition.agentSha512, ignition.servedSha512, '/opt/bin/kubeseed-boot is not the served binary');
    assert.is(ignition.agentMode, 0o755);
    assert.is(ignition.hostname, `${NODE}\n`);
  }),
);

Ignition(
  'Ignition wrote the unit running /opt/bin/kubeseed-boot, and the preset that enables it on the first boot',
  work.check(async () => {
    const { ignition, result, wantsLinkAfterBoot } = await boot();
    assert.match(ignition.unit, /^ExecStart=\/opt\/bin\/kubeseed-boot run$/m);
    assert.match(ignition.preset, /^enable kubeseed-boot\.service$/m);
    assert.not.ok(ignition.wantsLinkBeforeBoot, 'the unit was enabled before the boot');
    // systemd applied the preset on its first boot, on the machine's disk.
    assert.ok(wantsLinkAfterBoot, `no ${WANTS_LINK} after the boot`);
    assert.is(result.unit('kubeseed-boot.service').UnitFileState, 'enabled');
  }),
);

Ignition(
  'the bundle Ignition wrote is the generated one (scrubbed after finish), byte for byte, mode 0600; cloud-init stayed out of it',
  work.check(async () => {
    const { node, result } = await boot();
    const onMachine = result.text('node.yaml');
    assert.fixture(onMachine, scrubbedBundleText(node, onMachine), '/etc/kubeseed/node.yaml differs');
    assert.is(result.text('node.yaml.mode').trim(), '600');
    assert.match(result.text('cloud-init-status.txt'), /^status: disabled$/m);
  }),
);

Ignition(
  'kubeseed-boot.service ran /opt/bin/kubeseed-boot once, after network-online.target and containerd.service were up',
  work.check(async () => {
    const { result } = await boot();
    const agent = result.unit('kubeseed-boot.service');
    assert.is(agent.FragmentPath, UNIT_PATH);
    assert.match(
      agent.ExecStart!,
      /^\{ path=\/opt\/bin\/kubeseed-boot ; argv\[\]=\/opt\/bin\/kubeseed-boot run ; .* ; pid=\d+ ; code=exited ; status=0 \}$/,
    );
    const started = Number(agent.ExecMainStartTimestampMonotonic);
    assert.ok(started > 0, 'kubeseed-boot never started');
    assert.is(agent.NRestarts, '0');
    // Without cloud-init or a network to wait for, network-online.target is reached before
    // journald is up, so systemd's own timestamp tells when.
    const networkOnline = Number(result.unit('network-online.target').ActiveEnterTimestampMonotonic);
    assert.ok(
      networkOnline > 0 && networkOnline <= started,
      `network-online.target at ${networkOnline} µs, agent at ${started} µs`,
    );
    // containerd's own timestamps are those of the agent's restart: its first start is in systemd's log.
    assert.ok(
      result.pid1Step(UNIT_STARTED, 'containerd.service') < result.pid1Step(UNIT_STARTING, 'kubeseed-boot.service'),
      'kubeseed-boot started before containerd was up',
    );
  }),
);

Ignition(
  'stand-in kubeadm ran init once with the bundle’s configuration; `kubeseed-boot status`: bootstrapped, every phase done',
  work.check(async () => {
    const { node, result } = await boot();
    const runs = result.standins.kubeadmRuns();
    assert.is(runs.length, 1, 'kubeadm init/join calls');
    assert.equal(runs[0]!.argv, ['init', '--config', KUBEADM_CONFIG]);
    assert.fixture(readFileSync(join(runs[0]!.dir, 'config.yaml'), 'utf8'), node.bundle.kubeadm.config);
    assert.match(result.text('kubeseed-status.txt'), /^bootstrapped at /m);
    assert.equal(result.phasesNotDone(), []);
  }),
);

Ignition(
  'no failed units',
  work.check(async () => {
    const { result } = await boot();
    assert.equal(result.failedUnits(), []);
  }),
);

Ignition.run();
