// Test fixtures for the agent: a real PKI made with openssl, valid node bundles (their kubeadm
// configuration rendered by the generator), a temporary root that looks like a fresh machine
// with a stand-in kubeadm package installed, and the real agent started as a child process
// with the stand-in executables (test/stand-ins) first on PATH.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parse } from 'yaml';
import { NodeHost } from '../../bootstrap/node-host.ts';
import {
  type BootstrapRole,
  BUNDLE_API_VERSION,
  BUNDLE_KIND,
  type NodeBundle,
  renderBundle,
} from '../../core/node-bundle.ts';
import { ProblemSink } from '../../core/schema.ts';
import { renderKubeadmConfig } from '../../generator/kubeadm/render.ts';
import { specOf } from '../../generator/spec/load.ts';
import { removeTree, removeTreeSync } from '../helpers/cleanup.ts';
import { makeOpensslCa, signServerCertificate } from '../helpers/server-certificate.ts';
import type { Tool } from '../helpers/tools.ts';
import { kubeadmChecker } from '../stand-ins/strict-kubeadm/bundle.ts';
import { KUBEADM_PACKAGE_VERSION_FILE } from '../stand-ins/strict-kubeadm/package.ts';
import { upstreamImageList, upstreamImageTags } from '../upstream-facts/kubeadm-images.ts';

export const REPO = resolve(import.meta.dirname, '../..');
/** What the agent suites need: openssl makes the fixtures' PKI; the systemctl stand-in has the real containerd read the config the agent writes. */
export const AGENT_TOOLS: Tool[] = ['openssl', 'containerd'];
export const STAND_INS = join(REPO, 'test/stand-ins');
export const TOKEN = '7f3k2q.9x8w7v6u5t4s3r2q';
/** The bundles' Kubernetes version, and the stand-in kubeadm package's on the fixture's machine. */
export const KUBERNETES_VERSION = '1.33.2';
export const ARCHIVE_PATH = `/var/lib/kubeseed-images/k8s-${KUBERNETES_VERSION}.tar`;
/** What the images phase needs besides kubeadm's own list. */
export const ADDON_IMAGE = 'ghcr.io/flannel-io/flannel:v0.28.9';
/** kubeadm's pause for the version, from the upstream facts: containerd's sandbox image. */
export const SANDBOX_IMAGE = `registry.k8s.io/pause:${upstreamImageTags(KUBERNETES_VERSION)!.pause}`;
/** The images the stand-in archive holds (the stand-in ctr imports the names it lists): what the released kubeadm lists for the version (upstream facts, not kubeseed's table), and the add-on's. */
export const ARCHIVE_IMAGES = [...upstreamImageList(KUBERNETES_VERSION), ADDON_IMAGE];
export const ARCHIVE_CONTENT = `# stand-in image archive\n${ARCHIVE_IMAGES.join('\n')}\n`;
export const TEMPLATE_PATH = '/usr/share/kubeseed/templates/flannel/v0.26.0/manifest.yaml';
export const TEMPLATE = 'kind: ConfigMap\ndata:\n  net-conf.json: \'{"Network": "${POD_CIDR}"}\'\n';
export const SOCKET = '/run/containerd/containerd.sock';

export interface Pki {
  caCert: string;
  caKey: string;
  frontProxyCert: string;
  frontProxyKey: string;
  etcdCert: string;
  etcdKey: string;
  saKey: string;
  saPub: string;
  /** A server certificate for 127.0.0.1 signed by the cluster CA (a stand-in API server). */
  serverCert: string;
  serverKey: string;
  /** The same, signed by an unrelated CA. */
  strangerCert: string;
  strangerKey: string;
}

const temps: string[] = [];
/** Agents still running, with what closes once each has exited. */
const agents = new Map<ChildProcess, Promise<unknown>>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** The suites' after-hook: agents a failed test left running are killed before their roots go. */
export async function cleanup(): Promise<void> {
  for (const [child, closed] of agents) {
    killGroup(child);
    await closed;
  }
  for (const dir of temps.splice(0)) await removeTree(dir);
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

let pkiCache: Pki | undefined;

/**
 * One PKI per test process: openssl is the slow part. Only its text outlives openssl's
 * directory: files that need nothing else from these helpers never call cleanup().
 */
export function makePki(): Pki {
  if (pkiCache) return pkiCache;
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-pki-'));
  try {
    pkiCache = opensslPki(dir);
  } finally {
    removeTreeSync(dir);
  }
  return pkiCache;
}

function opensslPki(dir: string): Pki {
  for (const name of ['ca', 'front-proxy-ca', 'etcd-ca', 'stranger-ca']) makeOpensslCa(dir, name);
  openssl(dir, 'genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key');
  openssl(dir, 'pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  signServerCertificate(dir, 'server', { cert: 'ca.crt', key: 'ca.key' });
  signServerCertificate(dir, 'stranger', { cert: 'stranger-ca.crt', key: 'stranger-ca.key' });
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    caCert: read('ca.crt'),
    caKey: read('ca.key'),
    frontProxyCert: read('front-proxy-ca.crt'),
    frontProxyKey: read('front-proxy-ca.key'),
    etcdCert: read('etcd-ca.crt'),
    etcdKey: read('etcd-ca.key'),
    saKey: read('sa.key'),
    saPub: read('sa.pub'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    strangerCert: read('stranger.crt'),
    strangerKey: read('stranger.key'),
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function caCertHash(certPem: string): string {
  const spki = createPublicKey(certPem).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

export const NODE_NAMES: Record<BootstrapRole, string> = { init: 'cp-1', 'control-plane': 'cp-2', worker: 'worker-1' };

/** The cluster the fixtures' bundles belong to, as a user would write it. */
function clusterYaml(endpoint: string): string {
  return [
    'apiVersion: kubeseed.dev/v1alpha1',
    'kind: Cluster',
    'name: demo',
    `kubernetesVersion: ${KUBERNETES_VERSION}`,
    `controlPlaneEndpoint: ${endpoint}`,
    'networking:',
    '  podSubnet: 10.244.0.0/16',
    // The fixtures' machines carry the stand-ins: only the kubeadm documents come from here.
    'machineImage: prepared',
    'nodes:',
    ...Object.entries(NODE_NAMES).map(
      ([role, name]) => `  - {name: ${name}, role: ${role === 'worker' ? 'worker' : 'control-plane'}}`,
    ),
    '',
  ].join('\n');
}

/** The generator's kubeadm configuration for the role's node: what a real bundle carries. */
function kubeadmConfig(role: BootstrapRole, endpoint: string, hash: string): string {
  // specOf is loadSpec's check, without the wait for the `yaml` library loadSpec may import.
  const sink = new ProblemSink();
  const spec = specOf(parse(clusterYaml(endpoint)), sink);
  if (!spec) throw new Error(`the fixture spec is invalid: ${JSON.stringify(sink.problems)}`);
  const node = spec.nodes.find((candidate) => candidate.name === NODE_NAMES[role])!;
  const [id, secret] = TOKEN.split('.') as [string, string];
  return renderKubeadmConfig({ spec, node, token: { id, secret }, caCertHash: hash });
}

export function makeBundle(role: BootstrapRole, options: { apiPort?: number } = {}): NodeBundle {
  const pki = makePki();
  const endpoint = `127.0.0.1:${options.apiPort ?? 6443}`;
  const hash = caCertHash(pki.caCert);
  const controlPlane = role !== 'worker';
  return {
    apiVersion: BUNDLE_API_VERSION,
    kind: BUNDLE_KIND,
    cluster: {
      name: 'demo',
      kubernetesVersion: KUBERNETES_VERSION,
      controlPlaneEndpoint: endpoint,
      caCertificate: pki.caCert,
      caCertHash: hash,
      hasWorkers: true,
    },
    node: { name: NODE_NAMES[role], role, arch: 'amd64', metadataGuard: true },
    kubeadm: { config: kubeadmConfig(role, endpoint, hash) },
    pki: controlPlane
      ? [
          { path: 'ca.key', content: pki.caKey },
          { path: 'front-proxy-ca.crt', content: pki.frontProxyCert },
          { path: 'front-proxy-ca.key', content: pki.frontProxyKey },
          { path: 'etcd/ca.crt', content: pki.etcdCert },
          { path: 'etcd/ca.key', content: pki.etcdKey },
          { path: 'sa.key', content: pki.saKey },
        ]
      : [],
    runtime: {
      criSocket: `unix://${SOCKET}`,
      sandboxImage: SANDBOX_IMAGE,
      registryMirrors: [
        { host: 'registry.k8s.io', mirrors: ['https://mirror.internal:5000'], caCertificate: pki.caCert },
      ],
    },
    images: { archives: [{ path: ARCHIVE_PATH, sha256: sha256(ARCHIVE_CONTENT) }], required: [ADDON_IMAGE] },
    addons:
      role === 'init'
        ? [{ name: 'flannel', version: 'v0.26.0', sha256: sha256(TEMPLATE), parameters: { POD_CIDR: '10.244.0.0/16' } }]
        : [],
    install: { machineImage: 'prepared' },
  };
}

export interface MachineOptions {
  kernelArch?: string;
  cpus?: number;
  memoryKb?: number;
  cgroupControllers?: string | null;
  /** The installed stand-in kubeadm package's version (KUBERNETES_VERSION's by default); null: none installed. */
  kubeadmVersion?: string | null;
}

export interface Fixture {
  base: string;
  root: string;
  /** Where the stand-ins record their calls. */
  log: string;
  bundle: NodeBundle;
  env: NodeJS.ProcessEnv;
}

export const FSTAB = 'UUID=1234 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n';

function put(root: string, path: string, content: string, mode = 0o644): void {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  chmodSync(target, mode);
}

/** A fresh machine under a temporary root, with the bundle (or other text) at /etc/kubeseed/node.yaml. */
export function makeFixture(
  bundle: NodeBundle,
  machine: MachineOptions = {},
  bundleText = renderBundle(bundle),
): Fixture {
  const base = tempDir('kubeseed-agent-');
  const root = join(base, 'root');
  const log = join(base, 'stand-in-log');
  mkdirSync(join(log, 'control'), { recursive: true });
  put(root, '/proc/sys/kernel/arch', `${machine.kernelArch ?? 'x86_64'}\n`);
  put(root, '/proc/cpuinfo', Array.from({ length: machine.cpus ?? 2 }, (_, i) => `processor\t: ${i}\n`).join('\n'));
  put(root, '/proc/meminfo', `MemTotal:       ${machine.memoryKb ?? 4_000_000} kB\nMemFree:        1000000 kB\n`);
  put(root, '/proc/swaps', 'Filename\tType\tSize\tUsed\tPriority\n/swapfile\tfile\t1048572\t0\t-2\n');
  if (machine.cgroupControllers !== null)
    put(
      root,
      '/sys/fs/cgroup/cgroup.controllers',
      `${machine.cgroupControllers ?? 'cpuset cpu io memory hugetlb pids rdma misc'}\n`,
    );
  put(root, '/etc/fstab', FSTAB);
  if (machine.kubeadmVersion !== null)
    put(root, KUBEADM_PACKAGE_VERSION_FILE, `v${machine.kubeadmVersion ?? KUBERNETES_VERSION}\n`);
  put(root, ARCHIVE_PATH, ARCHIVE_CONTENT);
  put(root, TEMPLATE_PATH, TEMPLATE);
  put(root, '/etc/kubeseed/node.yaml', bundleText, 0o600);
  return {
    base,
    root,
    log,
    bundle,
    env: {
      ...process.env,
      PATH: `${STAND_INS}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      KUBESEED_BOOT_ROOT: root,
      KUBESEED_BOOT_RETRY_BASE_MS: '5',
      STANDIN_LOG: log,
      STANDIN_KUBEADM_CHECKER: kubeadmChecker(),
    },
  };
}

export interface AgentResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningAgent {
  child: ChildProcess;
  done: Promise<AgentResult>;
  /** What the agent printed so far, stdout then stderr. */
  output(): string;
}

/** Starts `node --import tsx bootstrap/main.ts ARGS` in its own process group (so a kill takes its commands too). */
export function startAgent(fixture: Fixture, args: string[], env: NodeJS.ProcessEnv = {}): RunningAgent {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bootstrap/main.ts'), ...args], {
    cwd: REPO,
    env: { ...fixture.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<AgentResult>((resolveDone) => {
    child.on('close', (code, signal) => {
      agents.delete(child);
      resolveDone({ code, signal, stdout, stderr });
    });
  });
  agents.set(child, done);
  return { child, done, output: () => stdout + stderr };
}

/** How long an agent run may take on a busy machine before the test gives up on it. */
export const AGENT_LIMIT_MS = 120_000;

export async function runAgent(fixture: Fixture, args: string[], env: NodeJS.ProcessEnv = {}): Promise<AgentResult> {
  const { child, done } = startAgent(fixture, args, env);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    killGroup(child);
  }, AGENT_LIMIT_MS);
  const result = await done;
  clearTimeout(timer);
  if (killed)
    throw new Error(
      `kubeseed-boot ${args.join(' ')} did not finish within ${AGENT_LIMIT_MS / 1000} s; it printed:\n${result.stdout}${result.stderr}`,
    );
  return result;
}

/** Resolves once the running agent has printed a line matching `pattern`; fails with what it printed instead. */
export async function waitForOutput(agent: RunningAgent, pattern: RegExp, timeoutMs = AGENT_LIMIT_MS): Promise<void> {
  let exited = false;
  void agent.done.then(() => (exited = true));
  const ended = await waitFor(() => exited || pattern.test(agent.output()), timeoutMs, 20);
  if (pattern.test(agent.output())) return;
  const why = ended ? 'the agent exited first' : `not within ${timeoutMs / 1000} s`;
  throw new Error(`the agent never printed ${pattern} (${why}); it printed:\n${agent.output()}`);
}

/** SIGKILL for the agent and every command it started: a power cut, as far as they can tell. */
export function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Polls `condition` until it holds (true) or `timeoutMs` has passed (false). */
export async function waitFor(condition: () => boolean, timeoutMs = AGENT_LIMIT_MS, pollMs = 2): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await delay(pollMs);
  }
  return false;
}

/** Tells a stand-in what to do: rules `ACTION COUNT [SUBSTRING]` (see test/stand-ins/lib.sh). */
export function control(fixture: Fixture, tool: string, rules: string[], stderr?: string): void {
  writeFileSync(join(fixture.log, 'control', tool), `${rules.join('\n')}\n`);
  if (stderr !== undefined) writeFileSync(join(fixture.log, 'control', `${tool}.stderr`), stderr);
}

/** The stand-in calls so far, one `tool args…` line each. */
export function commands(fixture: Fixture): string[] {
  const file = join(fixture.log, 'commands');
  return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : [];
}

/** The directory where a stand-in recorded the first call of `tool SUBCOMMAND …`. */
export function findCall(fixture: Fixture, tool: string, subcommand: string): string | undefined {
  return callDirs(fixture, tool).find((dir) => readFileSync(join(dir, 'argv'), 'utf8').startsWith(`${subcommand}\n`));
}

function callDirs(fixture: Fixture, tool: string): string[] {
  const dir = join(fixture.log, 'calls');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(`-${tool}`))
    .sort()
    .map((name) => join(dir, name));
}

/** Whether a stand-in told to hang is hanging now. */
export function isHanging(fixture: Fixture): boolean {
  const dir = join(fixture.log, 'calls');
  return existsSync(dir) && readdirSync(dir).some((name) => existsSync(join(dir, name, 'hanging')));
}

/** Lets every stand-in told to `pause` go on with its work. */
export function resumePaused(fixture: Fixture): void {
  const dir = join(fixture.log, 'calls');
  for (const name of readdirSync(dir)) {
    if (existsSync(join(dir, name, 'hanging'))) writeFileSync(join(dir, name, 'resume'), '');
  }
}

export function file(fixture: Fixture, path: string): string {
  return readFileSync(join(fixture.root, path), 'utf8');
}

export function mode(fixture: Fixture, path: string): number {
  return statSync(join(fixture.root, path)).mode & 0o777;
}

export function exists(fixture: Fixture, path: string): boolean {
  return existsSync(join(fixture.root, path));
}

export interface AgentStateFile {
  completedAt?: string;
  phases: Record<string, { status: string; attempts: number; lastError?: string }>;
}

export function state(fixture: Fixture): AgentStateFile {
  return JSON.parse(file(fixture, '/var/lib/kubeseed/state.json')) as AgentStateFile;
}

/** Every path under the root with its mode and content: what "the same end state" compares. */
export function snapshot(root: string, skip: readonly string[] = []): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = `/${relative(root, path)}`;
      if (skip.includes(rel)) continue;
      const mode = (statSync(path).mode & 0o777).toString(8);
      if (entry.isDirectory()) {
        result[`${rel}/`] = mode;
        walk(path);
      } else {
        result[rel] = `${mode} ${sha256(readFileSync(path, 'utf8'))}`;
      }
    }
  };
  walk(root);
  return result;
}

/** A stand-in API server: TLS with the given certificate; every request gets 403, as /readyz may for anonymous callers. */
export function startApiServer(cert: string, key: string, port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert, key }, (_request, response) => {
    response.writeHead(403, { 'content-type': 'application/json' });
    response.end('{"kind":"Status","status":"Failure","code":403}');
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveServer({ server, port: (server.address() as AddressInfo).port }));
  });
}

export async function freePort(): Promise<number> {
  const { server, port } = await startApiServer(makePki().serverCert, makePki().serverKey);
  await new Promise((done) => server.close(done));
  return port;
}

/** The real Host on a fixture's root for in-process runs, keeping what the agent prints. */
export class CapturingHost extends NodeHost {
  readonly printed: string[] = [];

  constructor(fixture: Fixture, env: NodeJS.ProcessEnv = {}) {
    super({ root: fixture.root, env: { ...fixture.env, ...env }, retryBaseDelayMs: 1 });
  }

  override print(_stream: 'stdout' | 'stderr', text: string): void {
    this.printed.push(text);
  }

  get output(): string {
    return this.printed.join('');
  }
}
