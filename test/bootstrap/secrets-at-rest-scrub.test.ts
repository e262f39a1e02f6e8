// Secrets leave the disk once the node is bootstrapped (issue 12): the real agent (stand-in
// kubeadm, kubectl) on a root that also holds the carriers' copies of the user-data as
// cloud-init and Ignition leave them: cloud-init's instance directory with a datasource
// cache made by cloud-init's own Python, NoCloud seeds (one gzip, as on a Pi boot
// partition), Flatcar's OEM config and Ignition's cache. The scrubbed copies are checked
// by their real consumers: cloud-init's schema and Python, ignition-validate.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { type NodeBundle, parseBundle, renderBundle } from '../../core/node-bundle.ts';
import { renderCloudInit } from '../../generator/carriers/cloud-init.ts';
import { renderIgnition } from '../../generator/carriers/ignition.ts';
import { cloudInitSchema, writtenFiles } from '../helpers/cloud-init.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  exists,
  type Fixture,
  file,
  makeBundle,
  makeFixture,
  makePki,
  mode,
  REPO,
  runAgent,
  snapshot,
  startApiServer,
  state,
  TOKEN,
  tempDir,
} from './helpers.ts';

const test = needing(
  suite('agent: secrets leave the disk after finish (stand-in kubeadm, kubectl; real cloud-init, Ignition)'),
  // python3: Debian's, with cloud-init's modules, to make and read its datasource cache.
  { tools: [...AGENT_TOOLS, 'cloud-init', 'python3', 'ignition-validate'] },
);
test.after(cleanup);

const INSTANCE = '/var/lib/cloud/instances/kubeseed-demo-cp-1';
const SEED = '/var/lib/cloud/seed/nocloud';
const PI_SEED = '/boot/firmware/user-data';
const OEM_CONFIG = '/usr/share/oem/config.ign';
const IGNITION_CACHE = '/run/ignition.json';
const BUNDLE = '/etc/kubeseed/node.yaml';
/** Debian's cloud-init runs on the system Python; another python3 may come first on PATH. */
const CLOUD_INIT_PYTHON = '/usr/bin/python3';

function python(script: string, ...args: string[]): string {
  return execFileSync(CLOUD_INIT_PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** What cloud-init's init stage leaves: its NoCloud datasource object pickled, user-data.txt.i from it. */
const MAKE_CACHE = `
import pickle, sys
from cloudinit import helpers
from cloudinit.sources.DataSourceNoCloud import DataSourceNoCloud
datasource = DataSourceNoCloud(sys_cfg={}, distro=None, paths=helpers.Paths({"cloud_dir": sys.argv[1]}))
datasource.userdata_raw = open(sys.argv[2], "rb").read()
datasource.metadata = {"instance-id": "kubeseed-demo-cp-1", "local-hostname": "cp-1"}
sys.stdout.write(str(datasource.get_userdata()))
open(sys.argv[3], "wb").write(pickle.dumps(datasource))
`;

/** cloud-config.txt as cloud-init's cloud-config part handler writes it. */
const MAKE_CLOUD_CONFIG = `
import sys
from cloudinit import safeyaml
config = safeyaml.load(open(sys.argv[1]).read())
sys.stdout.write("\\n".join(["#cloud-config", "", "# from 1 files", "# part-001", "", safeyaml.dumps(config)]))
`;

/** The cache as cloud-init restores it at the next boot. */
const READ_CACHE = `
import json, sys
from cloudinit import sources
datasource = sources.pkl_load(sys.argv[1])
raw = datasource.get_userdata_raw()
print(json.dumps({
  "raw": raw.decode() if isinstance(raw, bytes) else raw,
  "instanceId": datasource.get_instance_id(),
  "processed": str(datasource.get_userdata()),
}))
`;

interface Copies {
  userData: string;
  /** The bundle's write_files content (gz+b64 on a control plane, text on a worker): it carries the keys and the token. */
  blob: string;
  ignition: string;
}

function put(fixture: Fixture, path: string, content: string | Uint8Array, fileMode: number): void {
  const target = join(fixture.root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  chmodSync(target, fileMode);
}

/** The carriers' copies of this fixture's bundle, where cloud-init and Ignition keep them. */
function placeCopies(fixture: Fixture): Copies {
  const bundleText = file(fixture, BUNDLE);
  const userData = renderCloudInit({
    hostname: fixture.bundle.node.name,
    bundleText,
    // As generate writes them: a worker's bundle as text.
    compressBundle: fixture.bundle.node.role !== 'worker',
    sshAuthorizedKeys: [],
  });
  const blob = (parse(userData) as { write_files: Array<{ content: string }> }).write_files[0]!.content;
  const ignition = renderIgnition({
    hostname: fixture.bundle.node.name,
    bundleText,
    sshAuthorizedKeys: [],
    agent: { url: 'https://example.com/kubeseed-boot', sha512: 'a'.repeat(128) },
    agentUnit: readFileSync(join(REPO, 'templates/kubeseed-boot.service'), 'utf8'),
  });
  put(fixture, `${INSTANCE}/user-data.txt`, userData, 0o600);
  const root = (path: string) => join(fixture.root, path);
  put(
    fixture,
    `${INSTANCE}/user-data.txt.i`,
    python(MAKE_CACHE, root('/var/lib/cloud'), root(`${INSTANCE}/user-data.txt`), root(`${INSTANCE}/obj.pkl`)),
    0o600,
  );
  chmodSync(root(`${INSTANCE}/obj.pkl`), 0o400);
  put(fixture, `${INSTANCE}/cloud-config.txt`, python(MAKE_CLOUD_CONFIG, root(`${INSTANCE}/user-data.txt`)), 0o600);
  put(fixture, `${INSTANCE}/sem/config_write_files.once-per-instance`, '', 0o644);
  // cloud-init links it absolutely; relative here, so it resolves under the test root.
  symlinkSync('instances/kubeseed-demo-cp-1', root('/var/lib/cloud/instance'));
  put(fixture, `${SEED}/user-data`, userData, 0o600);
  put(fixture, `${SEED}/meta-data`, 'instance-id: kubeseed-demo-cp-1\nlocal-hostname: cp-1\n', 0o600);
  put(fixture, PI_SEED, gzipSync(userData), 0o755);
  put(fixture, OEM_CONFIG, ignition, 0o600);
  put(fixture, IGNITION_CACHE, ignition, 0o600);
  return { userData, blob, ignition };
}

function pemBodies(): string[] {
  const pki = makePki();
  return [pki.caKey, pki.etcdKey, pki.frontProxyKey, pki.saKey]
    .flatMap((pem) => pem.split('\n'))
    .filter((line) => line.length > 20 && !line.startsWith('-----'));
}

/** No key, no token secret, no copy of the carrier's bundle anywhere on the machine but kubeadm's own PKI. */
function assertNoSecretsAtRest(fixture: Fixture, copies: Copies): void {
  const secret = TOKEN.split('.')[1]!;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) return [];
      return entry.isDirectory() ? walk(path) : [path];
    });
  for (const path of walk(fixture.root)) {
    const machinePath = `/${relative(fixture.root, path)}`;
    if (machinePath.startsWith('/etc/kubernetes/pki/')) continue;
    const text = readFileSync(path).toString('latin1');
    assert.not.ok(text.includes(secret), `${machinePath} holds the token secret`);
    assert.not.ok(text.includes('PRIVATE KEY'), `${machinePath} holds a private key`);
    assert.not.ok(text.includes(copies.blob), `${machinePath} holds the carrier's bundle`);
    for (const line of pemBodies()) assert.not.ok(text.includes(line), `${machinePath} holds key material`);
  }
}

function assertScrubbedBundle(fixture: Fixture): NodeBundle {
  const text = file(fixture, BUNDLE);
  assert.is(mode(fixture, BUNDLE), 0o600);
  assert.not.match(text, /PRIVATE KEY|rsaPrimes/);
  assert.not.ok(text.includes(TOKEN.split('.')[1]!), 'node.yaml holds the token secret');
  const scrubbed = parseBundle(text);
  assert.ok(scrubbed.scrubbedAt, 'scrubbedAt is set');
  assert.equal(scrubbed.pki, []);
  const { bundle } = fixture;
  assert.is(scrubbed.kubeadm.config, bundle.kubeadm.config.replace(TOKEN, `${TOKEN.split('.')[0]}.scrubbed`));
  for (const key of ['cluster', 'node', 'runtime', 'images', 'addons'] as const)
    assert.equal(scrubbed[key], bundle[key], `${key} is kept`);
  return scrubbed;
}

/** The bundle a cloud-config copy would write now: the scrubbed one, and nothing else changed. */
function assertScrubbedCloudConfig(fixture: Fixture, path: string, copies: Copies): void {
  const text = file(fixture, path);
  cloudInitSchema(text);
  const bundleEntries = writtenFiles(text).filter((entry) => entry.path === BUNDLE);
  assert.is(bundleEntries.length, 1, path);
  assert.is(bundleEntries[0]!.content, file(fixture, BUNDLE), `${path}: the bundle it writes is the scrubbed one`);
  const config = parse(text) as Record<string, unknown>;
  const original = parse(copies.userData) as Record<string, unknown>;
  assert.is(config.hostname, original.hostname, `${path}: hostname kept`);
  assert.equal(config.runcmd, original.runcmd, `${path}: runcmd kept`);
}

function ignitionValidate(text: string, where: string): void {
  const path = join(tempDir('kubeseed-ignition-'), 'config.ign');
  writeFileSync(path, text);
  try {
    execFileSync('ignition-validate', [path], { stdio: 'pipe' });
  } catch (error) {
    assert.unreachable(`ignition-validate rejected ${where}: ${(error as { stderr: Buffer }).stderr}`);
  }
}

function assertScrubbedIgnition(fixture: Fixture, path: string, copies: Copies): void {
  const text = file(fixture, path);
  ignitionValidate(text, path);
  const config = JSON.parse(text) as { storage: { files: Array<{ path: string; contents: { source: string } }> } };
  const original = JSON.parse(copies.ignition) as typeof config;
  const entry = config.storage.files.find((candidate) => candidate.path === BUNDLE)!;
  const data = Buffer.from(entry.contents.source.replace(/^data:;base64,/, ''), 'base64');
  assert.is(gunzipSync(data).toString('utf8'), file(fixture, BUNDLE), `${path}: scrubbed`);
  assert.equal(
    config.storage.files.filter((candidate) => candidate.path !== BUNDLE),
    original.storage.files.filter((candidate) => candidate.path !== BUNDLE),
    `${path}: the other entries are kept`,
  );
}

test('init node, after `run`: node.yaml and every carrier copy hold no key and no token secret; the log names each', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const copies = placeCopies(fixture);
  const run = await runAgent(fixture, ['run']);
  assert.is(run.code, 0, run.stderr);
  assert.is(commands(fixture).filter((line) => line.startsWith('kubeadm init')).length, 1);
  assert.ok(state(fixture).completedAt);

  assertScrubbedBundle(fixture);
  assert.not.ok(exists(fixture, '/etc/kubeseed/kubeadm.yaml'), 'the kubeadm configuration (with the token) is gone');
  assert.is(file(fixture, '/etc/kubernetes/pki/ca.key'), makePki().caKey, "kubeadm's own PKI stays");

  assertScrubbedCloudConfig(fixture, `${INSTANCE}/user-data.txt`, copies);
  assertScrubbedCloudConfig(fixture, `${INSTANCE}/cloud-config.txt`, copies);
  assertScrubbedCloudConfig(fixture, `${SEED}/user-data`, copies);
  assertScrubbedCloudConfig(fixture, PI_SEED, copies);
  assert.is(mode(fixture, `${INSTANCE}/user-data.txt`), 0o600);
  assert.is(mode(fixture, PI_SEED), 0o755, 'each copy keeps its mode');
  assert.not.ok(exists(fixture, `${INSTANCE}/user-data.txt.i`), 'user-data.txt.i removed');
  assert.ok(exists(fixture, `${INSTANCE}/sem/config_write_files.once-per-instance`), "cloud-init's semaphores stay");
  assert.is(file(fixture, `${SEED}/meta-data`), 'instance-id: kubeseed-demo-cp-1\nlocal-hostname: cp-1\n');

  // As cloud-init restores its cache at the next boot: the same instance, the scrubbed user-data.
  const cache = JSON.parse(python(READ_CACHE, join(fixture.root, `${INSTANCE}/obj.pkl`))) as Record<string, string>;
  assert.is(cache.instanceId, 'kubeseed-demo-cp-1');
  assert.is(cache.raw, file(fixture, `${INSTANCE}/user-data.txt`));
  assert.not.ok(cache.processed!.includes(copies.blob));
  assert.is(mode(fixture, `${INSTANCE}/obj.pkl`), 0o400);

  assertScrubbedIgnition(fixture, OEM_CONFIG, copies);
  assertScrubbedIgnition(fixture, IGNITION_CACHE, copies);
  assertNoSecretsAtRest(fixture, copies);

  const log = file(fixture, '/var/log/kubeseed-boot.log');
  const expected: Array<[string, string]> = [
    ['scrubbed', BUNDLE],
    ['removed', '/etc/kubeseed/kubeadm.yaml'],
    ['scrubbed', `${INSTANCE}/user-data.txt`],
    ['scrubbed', `${INSTANCE}/cloud-config.txt`],
    ['removed', `${INSTANCE}/user-data.txt.i`],
    ['scrubbed', `${INSTANCE}/obj.pkl`],
    ['scrubbed', `${SEED}/user-data`],
    ['scrubbed', PI_SEED],
    ['scrubbed', OEM_CONFIG],
    ['scrubbed', IGNITION_CACHE],
  ];
  for (const [outcome, path] of expected)
    assert.match(log, new RegExp(`INFO finish ${outcome} ${path.replaceAll('.', '\\.')}: `), path);
  assert.match(log, /INFO finish secrets at rest: 10 files scrubbed or removed/);
  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^bootstrapped at /m);
});

test('the next boots: what cloud-init wrote again from its datasource is scrubbed again; then nothing is touched', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const copies = placeCopies(fixture);
  assert.is((await runAgent(fixture, ['run'])).code, 0);
  // A datasource that still serves the user-data (EC2 reads it again at every boot).
  put(fixture, `${INSTANCE}/user-data.txt`, copies.userData, 0o600);
  put(fixture, `${INSTANCE}/user-data.txt.i`, copies.userData, 0o600);
  const reboot = await runAgent(fixture, ['run']);
  assert.is(reboot.code, 0, reboot.stderr);
  assert.match(reboot.stdout, /INFO run node bootstrapped at .*; nothing to do/);
  assert.match(reboot.stdout, /INFO run scrubbed \/var\/lib\/cloud\/instances\/kubeseed-demo-cp-1\/user-data\.txt: /);
  assert.match(reboot.stdout, /INFO run removed \/var\/lib\/cloud\/instances\/kubeseed-demo-cp-1\/user-data\.txt\.i: /);
  assertScrubbedCloudConfig(fixture, `${INSTANCE}/user-data.txt`, copies);
  assertNoSecretsAtRest(fixture, copies);

  // The instance link is the instance directory again.
  const unchanging = ['/var/log/kubeseed-boot.log', '/var/lib/cloud/instance'];
  const before = snapshot(fixture.root, unchanging);
  const calls = commands(fixture).length;
  const quiet = await runAgent(fixture, ['run']);
  assert.is(quiet.code, 0, quiet.stderr);
  assert.not.match(quiet.stdout, /scrubbed|removed/);
  assert.equal(snapshot(fixture.root, unchanging), before, 'nothing changed');
  assert.is(commands(fixture).length, calls, 'no command ran');
});

test('a worker: its token secret leaves node.yaml and the user-data copy', async () => {
  const pki = makePki();
  const api = await startApiServer(pki.serverCert, pki.serverKey);
  try {
    const fixture = makeFixture(makeBundle('worker', { apiPort: api.port }), { cpus: 1, memoryKb: 900_000 });
    const copies = placeCopies(fixture);
    const entry = (parse(copies.userData) as { write_files: Array<{ encoding?: string }> }).write_files[0]!;
    assert.is(entry.encoding, undefined, "the worker's bundle travels as text");
    const run = await runAgent(fixture, ['run']);
    assert.is(run.code, 0, run.stderr);
    const scrubbed = assertScrubbedBundle(fixture);
    assert.match(scrubbed.kubeadm.config, /token: 7f3k2q\.scrubbed$/m);
    assertScrubbedCloudConfig(fixture, `${INSTANCE}/user-data.txt`, copies);
    assertNoSecretsAtRest(fixture, copies);
  } finally {
    api.server.close();
  }
});

test('a scrubbed node: phases without secrets still run; kubeadm and a reset say a fresh bundle is needed', async () => {
  const fixture = makeFixture(makeBundle('init'));
  assert.is((await runAgent(fixture, ['run'])).code, 0);
  const scrubbed = file(fixture, BUNDLE);

  // A phase that needs no secret works from the scrubbed bundle (stand-in kubectl applies again).
  writeFileSync(join(fixture.root, 'etc/kubeseed/addons/flannel.yaml'), 'changed by hand\n');
  const addons = await runAgent(fixture, ['phase', 'addons']);
  assert.is(addons.code, 0, addons.stderr);
  assert.is(commands(fixture).filter((line) => line.startsWith('kubectl')).length, 2);

  // kubeadm's evidence gone: the phase would run kubeadm again, and cannot.
  const kubelet = join(fixture.root, 'etc/kubernetes/kubelet.conf');
  const saved = readFileSync(kubelet);
  execFileSync('rm', [kubelet]);
  const kubeadm = await runAgent(fixture, ['phase', 'kubeadm']);
  assert.is(kubeadm.code, 1);
  assert.match(
    kubeadm.stderr,
    /error: kubeadm init needs secrets: the node bundle at \/etc\/kubeseed\/node\.yaml was scrubbed at \S+, after node cp-1 was bootstrapped/,
  );
  assert.match(kubeadm.stderr, /Put a fresh bundle there \(`kubeseed generate`, then out\/nodes\/cp-1\/node\.yaml/);
  writeFileSync(kubelet, saved);

  const reset = await runAgent(fixture, ['reset']);
  assert.is(reset.code, 0, reset.stderr);
  assert.match(
    reset.stdout,
    /WARN reset bootstrapping this machine anew also needs a fresh bundle: the node bundle at \/etc\/kubeseed\/node\.yaml was scrubbed at /,
  );
  // The machine left the cluster; once told to bootstrap anew, it still needs a fresh bundle.
  rmSync(join(fixture.root, 'var/lib/kubeseed/reset.json'));

  const calls = commands(fixture).length;
  const refused = await runAgent(fixture, ['run']);
  assert.is(refused.code, 1);
  assert.match(
    refused.stderr,
    /error: bootstrapping this node \(kubeadm has not run here\) needs secrets: the node bundle at \/etc\/kubeseed\/node\.yaml was scrubbed at /,
  );
  assert.is(commands(fixture).length, calls, 'no command ran');
  assert.not.ok(exists(fixture, '/var/lib/kubeseed/state.json'), 'nothing was written');
  assert.is(file(fixture, BUNDLE), scrubbed);

  writeFileSync(join(fixture.root, 'etc/kubeseed/node.yaml'), renderBundle(fixture.bundle), { mode: 0o600 });
  const fresh = await runAgent(fixture, ['run']);
  assert.is(fresh.code, 0, fresh.stderr);
  assertScrubbedBundle(fixture);
});

test('a copy kubeseed-boot cannot read as a carrier copy is left where it is and named in a warning', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const copies = placeCopies(fixture);
  const mime = `Content-Type: multipart/mixed; boundary="b"\nMIME-Version: 1.0\n\n--b\nContent-Type: text/cloud-config\n\n${copies.userData}\n--b--\n`;
  put(fixture, `${SEED}/user-data`, mime, 0o600);
  const run = await runAgent(fixture, ['run']);
  assert.is(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /WARN finish not scrubbed: \/var\/lib\/cloud\/seed\/nocloud\/user-data: cannot be read as a carrier copy \(it does not begin with #cloud-config\); check it by hand/,
  );
  assert.is(file(fixture, `${SEED}/user-data`), mime);
  assert.ok(statSync(join(fixture.root, `${INSTANCE}/user-data.txt`)).size > 0);
  assertScrubbedCloudConfig(fixture, `${INSTANCE}/user-data.txt`, copies);
});

test.run();
