// Keys away from pods and off the disk (issue 12), on a real first boot: the init control
// plane boots twice in systemd-nspawn from its own disk, from the cloud-init carrier (a
// NoCloud seed), with real cloud-init, systemd and nftables (stand-in kubeadm, kubelet).
// After the first boot the bundle and cloud-init's copies of the user-data hold no secret;
// the reboot finds cloud-init restoring its scrubbed cache without running write_files
// again, the node still done, and systemd loading the metadata guard before the kubelet.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseBundle } from '../../core/node-bundle.ts';
import { cloudInitSchema, decodeUserData, writtenFiles } from '../helpers/cloud-init.ts';
import { needing } from '../helpers/tools.ts';
import { E2eCluster, type E2eNode, scrubbedBundleText } from './cluster.ts';
import { collectedResults, type GuestResults, UNIT_STARTED } from './guest-results.ts';
import { bootNspawn, NSPAWN_BOOT_LIMIT_MS } from './nspawn.ts';
import { e2eImage } from './rootfs.ts';
import { NSPAWN_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';
const BUNDLE = '/etc/kubeseed/node.yaml';
const INSTANCES = '/var/lib/cloud/instances';
/** Where the test machines' cloud-init reads the seed: bound read-only, as a seed ISO would be. */
const SEED = '/var/lib/cloud/seed/nocloud/user-data';
/** The host's cloud-init is the image's (Debian bookworm's); its Python reads the cache as the guest's would. */
const CLOUD_INIT_PYTHON = '/usr/bin/python3';
const READ_CACHE = `
import json, sys
from cloudinit import sources
datasource = sources.pkl_load(sys.argv[1])
raw = datasource.get_userdata_raw()
print(json.dumps({"raw": raw.decode() if isinstance(raw, bytes) else raw, "instanceId": datasource.get_instance_id()}))
`;

/** What the disk holds between boots (the machine is off). */
interface DiskState {
  instance: string;
  userData: string;
  cloudConfig: string;
  processedExists: boolean;
  cache: { raw: string; instanceId: string };
  bundle: { text: string; inode: number; mtimeMs: number };
}

interface Booted {
  node: E2eNode;
  /** The gz+b64 bundle in the generated user-data: it carries the keys and the token. */
  blob: string;
  token: string;
  disk: string;
  first: GuestResults;
  afterFirst: DiskState;
  second: GuestResults;
  afterSecond: DiskState;
}

const work = new E2eWorkDir('secrets-at-rest');
let booted: Promise<Booted> | undefined;

function readDisk(disk: string): DiskState {
  const instances = readdirSync(join(disk, INSTANCES));
  assert.is(instances.length, 1, `one cloud-init instance: ${instances.join(', ')}`);
  const instance = join(disk, INSTANCES, instances[0]!);
  const bundle = join(disk, BUNDLE);
  const info = statSync(bundle);
  return {
    instance: instances[0]!,
    userData: readFileSync(join(instance, 'user-data.txt'), 'utf8'),
    cloudConfig: readFileSync(join(instance, 'cloud-config.txt'), 'utf8'),
    processedExists: existsSync(join(instance, 'user-data.txt.i')),
    cache: JSON.parse(
      execFileSync(CLOUD_INIT_PYTHON, ['-c', READ_CACHE, join(instance, 'obj.pkl')], { stdio: 'pipe' }).toString(),
    ) as DiskState['cache'],
    bundle: { text: readFileSync(bundle, 'utf8'), inode: info.ino, mtimeMs: info.mtimeMs },
  };
}

async function bootTwice(): Promise<Booted> {
  const image = await e2eImage();
  const cluster = new E2eCluster(await work.resultDir('cluster'));
  const node = cluster.node(NODE);
  const userData = decodeUserData(readFileSync(node.userDataPath));
  const blob = (parse(userData) as { write_files: Array<{ content: string }> }).write_files[0]!.content;
  const token = /token: ([a-z0-9]{6}\.[a-z0-9]{16})/.exec(node.bundle.kubeadm.config)?.[1];
  assert.ok(token, 'the generated bundle carries a bootstrap token');
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
    return collectedResults(`secrets-at-rest: ${label}`, out, await machine.finished);
  };
  const first = await boot('first-boot');
  const afterFirst = readDisk(disk);
  const second = await boot('second-boot');
  return { node, blob, token: token!, disk, first, afterFirst, second, afterSecond: readDisk(disk) };
}

function boots(): Promise<Booted> {
  booted ??= bootTwice();
  return booted;
}

/** The agent's lines of one boot, from that boot's journal. */
function agentSaid(result: GuestResults): string[] {
  return result
    .journal()
    .filter((entry) => entry.SYSLOG_IDENTIFIER === 'kubeseed-boot')
    .map((entry) => entry.MESSAGE ?? '');
}

/** A cloud-config copy: valid for cloud-init, the bundle it writes is the scrubbed one, the rest as generated. */
function assertScrubbedCopy(text: string, booted: Booted, what: string): void {
  cloudInitSchema(text);
  const entries = writtenFiles(text).filter((entry) => entry.path === BUNDLE);
  assert.is(entries.length, 1, what);
  assert.is(entries[0]!.content, booted.afterFirst.bundle.text, `${what}: the bundle in it is the scrubbed one`);
  assert.not.ok(text.includes(booted.blob), `${what} still holds the generated bundle`);
  assert.is((parse(text) as { hostname?: string }).hostname, NODE, `${what}: hostname kept`);
}

/** Text files of the disk where configuration, state and logs live, but kubeadm's PKI and the stand-ins' own records. */
function diskFiles(disk: string): string[] {
  const skip = new Set([
    '/etc/kubernetes/pki',
    '/var/cache',
    '/var/lib/apt',
    '/var/lib/dpkg',
    // The stand-in kubeadm keeps the configs it was given, as a test record.
    '/var/log/kubeseed-standins',
  ]);
  const walk = (path: string): string[] => {
    if (skip.has(path)) return [];
    const info = lstatSync(join(disk, path), { throwIfNoEntry: false });
    if (!info || info.isSymbolicLink()) return [];
    if (info.isDirectory()) return readdirSync(join(disk, path)).flatMap((entry) => walk(`${path}/${entry}`));
    return info.isFile() ? [path] : [];
  };
  return ['/etc', '/var', '/boot', '/root', '/home', '/opt'].flatMap(walk);
}

const Secrets = needing(
  suite(
    'e2e: keys away from pods and off the disk, first boot and reboot in systemd-nspawn (stand-in kubeadm, kubelet)',
  ),
  // cloud-init's schema checker and Python read the copies; python3 is Debian's, with cloud-init's modules.
  { root: true, tools: [...NSPAWN_TOOLS, 'cloud-init', 'python3'] },
);

Secrets.after(() => work.finish());

Secrets(
  'after finish, node.yaml is the generated bundle scrubbed: no PRIVATE KEY, no rsaPrimes, no token secret',
  work.check(async () => {
    const booted = await boots();
    const text = booted.first.text('node.yaml');
    assert.fixture(text, scrubbedBundleText(booted.node, text));
    assert.not.match(text, /PRIVATE KEY|rsaPrimes/);
    assert.not.ok(text.includes(booted.token.split('.')[1]!), 'node.yaml holds the token secret');
    assert.is(booted.first.text('node.yaml.mode').trim(), '600');
    assert.equal(parseBundle(text).pki, []);
    assert.match(booted.first.text('kubeseed-status.txt'), /^bootstrapped at /m);
  }),
);

Secrets(
  "cloud-init's copies are scrubbed in place: user-data.txt, cloud-config.txt, its cache (read back by cloud-init's Python); user-data.txt.i gone; the log names each, and the read-only seed",
  work.check(async () => {
    const booted = await boots();
    const { afterFirst } = booted;
    assertScrubbedCopy(afterFirst.userData, booted, 'user-data.txt');
    assertScrubbedCopy(afterFirst.cloudConfig, booted, 'cloud-config.txt');
    assert.not.ok(afterFirst.processedExists, 'user-data.txt.i removed');
    assert.is(afterFirst.cache.raw, afterFirst.userData, 'the cache holds the scrubbed user-data');
    assert.is(afterFirst.cache.instanceId, `kubeseed-e2e-${NODE}`);
    const log = booted.first.text('kubeseed-boot.log');
    const instance = `${INSTANCES}/${afterFirst.instance}`;
    for (const [outcome, path] of [
      ['scrubbed', BUNDLE],
      ['removed', '/etc/kubeseed/kubeadm.yaml'],
      ['scrubbed', `${instance}/user-data.txt`],
      ['scrubbed', `${instance}/cloud-config.txt`],
      ['removed', `${instance}/user-data.txt.i`],
      ['scrubbed', `${instance}/obj.pkl`],
    ] as const) {
      assert.ok(log.includes(` INFO finish ${outcome} ${path}: `), `the log does not say: ${outcome} ${path}`);
    }
    assert.ok(
      log.includes(` WARN finish not scrubbed: ${SEED}: on a read-only filesystem: it still holds the secrets`),
      'the read-only seed is named',
    );
  }),
);

Secrets(
  'the reboot: cloud-init restored its scrubbed cache and did not run write_files again; node.yaml untouched; the node stays done',
  work.check(async () => {
    const booted = await boots();
    const { afterFirst, afterSecond, second } = booted;
    const cloudInitLog = readFileSync(join(booted.disk, 'var/log/cloud-init.log'), 'utf8');
    const secondBoot = cloudInitLog.split(/^.*running 'init-local'.*$/m)[2];
    assert.ok(secondBoot, "the second boot's part of cloud-init.log");
    assert.match(secondBoot, /restored from (checked )?cache/, 'cloud-init used its cache');
    assert.match(secondBoot, /config-write-files already ran \(freq=once-per-instance\)/);
    assert.not.match(secondBoot, /Writing to \/etc\/kubeseed\/node\.yaml/);
    assert.equal(afterSecond.bundle, afterFirst.bundle, 'node.yaml: the same file, never rewritten');
    assert.is(afterSecond.instance, afterFirst.instance, 'the same cloud-init instance');
    // cloud-init wrote these again at the reboot, from the cache: scrubbed, with nothing left to do for the agent.
    assertScrubbedCopy(afterSecond.userData, booted, 'user-data.txt after the reboot');
    assert.ok(afterSecond.processedExists, 'cloud-init wrote user-data.txt.i again');
    assert.match(second.text('cloud-init-status.txt'), /^status: done$/m);
    assert.is(second.standins.kubeadmRuns().length, 1, 'the only kubeadm init is the first boot’s');
    assert.fixture(second.text('state.json'), booted.first.text('state.json'));
    const said = agentSaid(second);
    assert.ok(
      said.some((line) => / INFO run node bootstrapped at .*; nothing to do/.test(line)),
      said.join('\n'),
    );
    assert.not.ok(
      said.some((line) => / INFO run (scrubbed|removed) /.test(line)),
      `nothing was left to scrub: ${said.join('\n')}`,
    );
  }),
);

Secrets(
  'after both boots, no key, no token secret and no copy of the generated bundle on the disk but in kubeadm’s own PKI',
  work.check(async () => {
    const booted = await boots();
    const secret = booted.token.split('.')[1]!;
    const files = diskFiles(booted.disk);
    assert.ok(
      files.some((path) => path.endsWith('/obj.pkl')),
      "the scan reaches cloud-init's instance directory",
    );
    for (const path of files) {
      const text = readFileSync(join(booted.disk, path)).toString('latin1');
      assert.not.ok(text.includes(secret), `${path} holds the token secret`);
      assert.not.ok(text.includes('PRIVATE KEY'), `${path} holds a private key`);
      assert.not.ok(text.includes(booted.blob), `${path} holds the generated bundle`);
    }
  }),
);

Secrets(
  'pods cannot reach the metadata service on both boots; at the reboot systemd loaded the guard before the kubelet',
  work.check(async () => {
    const { first, second } = await boots();
    for (const [label, result] of [
      ['first', first],
      ['second', second],
    ] as const) {
      assert.match(
        result.text('kubeseed-status.txt'),
        /^metadata guard: on: pods cannot reach 169\.254\.169\.254 or fd00:ec2::254 \(table inet kubeseed_metadata_guard, \d+ packets? refused so far\); kubeseed-metadata-guard\.service loads it at boot$/m,
        `${label} boot`,
      );
      const guard = result.unit('kubeseed-metadata-guard.service');
      assert.is(guard.ActiveState, 'active', `${label} boot: the guard unit`);
      assert.is(guard.Result, 'success', `${label} boot: the guard unit`);
      assert.equal(result.failedUnits(), [], `${label} boot: failed units`);
    }
    // A oneshot's "Finished" and a service's "Started" share one message id.
    assert.ok(
      second.pid1Step(UNIT_STARTED, 'kubeseed-metadata-guard.service') <
        second.pid1Step(UNIT_STARTED, 'kubelet.service'),
      'the reboot started the kubelet before the guard had loaded the table',
    );
  }),
);

Secrets.run();
