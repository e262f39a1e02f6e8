// Pods cannot reach the cloud metadata service (issue 12), with real nftables in network
// namespaces this test makes: a "pod" behind a bridge and veth pair, routed through a
// "node" (where the real agent runs, real nft first on its PATH, stand-ins for the rest)
// to a "metadata" namespace answering HTTP on 169.254.169.254 and fd00:ec2::254. The
// pod's requests are refused, the node's own succeed; so after a simulated reboot (the
// ruleset flushed, the loader of the unit the agent wrote run again) and whatever accept
// rules a pod network adds in its own tables.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  type AgentResult,
  cleanup,
  commands,
  control,
  type Fixture,
  file,
  isHanging,
  killGroup,
  makeBundle,
  makeFixture,
  REPO,
  tempDir,
  waitFor,
} from './helpers.ts';

const test = needing(suite('agent: metadata guard with real nftables in network namespaces (stand-in kubeadm)'), {
  root: true,
  tools: [...AGENT_TOOLS, 'ip', 'nft', 'systemd-analyze'],
});

const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
const PREFIX = `ks${process.pid}`;
const NS = { pod: `${PREFIX}-pod`, node: `${PREFIX}-node`, meta: `${PREFIX}-meta` };
const IPV4_URL = 'http://169.254.169.254/latest/user-data';
const IPV6_URL = 'http://[fd00:ec2::254]/latest/user-data';
const USER_DATA = 'user-data with the cluster CA key';
const DEADLINE_MS = 60_000;

function find(name: string): string | undefined {
  for (const dir of SEARCH_PATH) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

function ip(...args: string[]): string {
  return execFileSync(find('ip')!, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function inNs(ns: string, argv: readonly string[], input?: string): string {
  return execFileSync(find('ip')!, ['netns', 'exec', ns, ...argv], {
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).toString();
}

function nft(ns: string, ...args: string[]): string {
  return inNs(ns, [find('nft')!, ...args]);
}

/** IPv6 exists in this kernel and is not turned off for new namespaces. */
function ipv6Available(): boolean {
  return (
    existsSync('/proc/sys/net/ipv6') &&
    readFileSync('/proc/sys/net/ipv6/conf/default/disable_ipv6', 'utf8').trim() === '0'
  );
}

const IPV6 = ipv6Available();

/** pod ─veth─ [bridge] node [veth] ─ metadata; the node forwards, the metadata namespace routes back through it. */
function buildNetwork(): void {
  for (const ns of Object.values(NS)) ip('netns', 'add', ns);
  ip('-n', NS.node, 'link', 'add', 'cni0', 'type', 'bridge');
  ip('-n', NS.node, 'link', 'add', 'veth-pod', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.pod);
  ip('-n', NS.node, 'link', 'set', 'veth-pod', 'master', 'cni0');
  ip('-n', NS.node, 'link', 'add', 'veth-meta', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.meta);
  for (const link of ['lo', 'cni0', 'veth-pod', 'veth-meta']) ip('-n', NS.node, 'link', 'set', link, 'up');
  for (const ns of [NS.pod, NS.meta]) for (const link of ['lo', 'eth0']) ip('-n', ns, 'link', 'set', link, 'up');
  ip('-n', NS.node, 'addr', 'add', '10.244.0.1/24', 'dev', 'cni0');
  ip('-n', NS.pod, 'addr', 'add', '10.244.0.2/24', 'dev', 'eth0');
  ip('-n', NS.pod, 'route', 'add', 'default', 'via', '10.244.0.1');
  ip('-n', NS.node, 'addr', 'add', '169.254.0.1/16', 'dev', 'veth-meta');
  ip('-n', NS.meta, 'addr', 'add', '169.254.169.254/16', 'dev', 'eth0');
  ip('-n', NS.meta, 'route', 'add', '10.244.0.0/24', 'via', '169.254.0.1');
  inNs(NS.node, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  if (!IPV6) return;
  // nodad: the addresses are usable at once, not after duplicate address detection.
  ip('-n', NS.node, 'addr', 'add', 'fd00:10::1/64', 'dev', 'cni0', 'nodad');
  ip('-n', NS.pod, 'addr', 'add', 'fd00:10::2/64', 'dev', 'eth0', 'nodad');
  ip('-n', NS.pod, '-6', 'route', 'add', 'default', 'via', 'fd00:10::1');
  ip('-n', NS.node, 'addr', 'add', 'fd00:ec2::1/64', 'dev', 'veth-meta', 'nodad');
  ip('-n', NS.meta, 'addr', 'add', 'fd00:ec2::254/64', 'dev', 'eth0', 'nodad');
  ip('-n', NS.meta, '-6', 'route', 'add', 'fd00:10::/64', 'via', 'fd00:ec2::1');
  inNs(NS.node, ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
}

function removeNetwork(): void {
  for (const ns of Object.values(NS)) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // never made
    }
  }
}

const SERVER = `
const server = require('node:http').createServer((request, response) => response.end(${JSON.stringify(USER_DATA)}));
server.listen(80, '::', () => console.log('listening'));
`;

let metadataServer: ChildProcess | undefined;

/** The metadata service: HTTP on port 80 of every address of its namespace. */
async function startMetadataServer(): Promise<void> {
  const child = spawn(find('ip')!, ['netns', 'exec', NS.meta, process.execPath, '-e', SERVER], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  metadataServer = child;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  assert.ok(
    await waitFor(() => output.includes('listening') || child.exitCode !== null, DEADLINE_MS, 20),
    'no metadata server',
  );
  assert.ok(output.includes('listening'), `the metadata server did not start: ${output}`);
}

const CLIENT = `
const request = require('node:http').get(process.argv[1], { timeout: 20000 }, (response) => {
  let body = '';
  response.on('data', (chunk) => (body += chunk));
  response.on('end', () => console.log(JSON.stringify({ ok: true, status: response.statusCode, body })));
});
request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
request.on('error', (error) => console.log(JSON.stringify({ ok: false, code: error.code })));
`;

interface Probe {
  ok: boolean;
  status?: number;
  body?: string;
  code?: string;
}

function probe(ns: string, url: string): Probe {
  return JSON.parse(inNs(ns, [process.execPath, '-e', CLIENT, url])) as Probe;
}

function urls(): string[] {
  return IPV6 ? [IPV4_URL, IPV6_URL] : [IPV4_URL];
}

function assertReaches(ns: string, why: string): void {
  for (const url of urls()) {
    const result = probe(ns, url);
    assert.ok(result.ok && result.body === USER_DATA, `${why}: ${ns} → ${url}: ${JSON.stringify(result)}`);
  }
}

function refusedCount(): number {
  return [
    ...nft(NS.node, 'list', 'table', 'inet', 'kubeseed_metadata_guard').matchAll(/counter packets (\d+)/g),
  ].reduce((sum, match) => sum + Number(match[1]), 0);
}

function assertShutOut(why: string): void {
  for (const url of urls()) {
    const before = refusedCount();
    const result = probe(NS.pod, url);
    assert.not.ok(result.ok, `${why}: the pod reached ${url}: ${JSON.stringify(result)}`);
    assert.ok(refusedCount() > before, `${why}: ${url}: the guard's counters did not move, so something else failed`);
  }
  assertReaches(NS.node, `${why}: the node itself`);
}

/** The agent in the node namespace: the real nft first on PATH, the stand-ins behind it. */
function startAgentInNode(fixture: Fixture, args: string[]): { child: ChildProcess; done: Promise<AgentResult> } {
  const realTools = tempDir('kubeseed-real-nft-');
  symlinkSync(find('nft')!, join(realTools, 'nft'));
  const env = { ...fixture.env, PATH: `${realTools}${delimiter}${fixture.env.PATH}` };
  const child = spawn(
    find('ip')!,
    ['netns', 'exec', NS.node, process.execPath, '--import', 'tsx', join(REPO, 'bootstrap/main.ts'), ...args],
    { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<AgentResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function agentInNode(fixture: Fixture, args: string[]): Promise<AgentResult> {
  const { child, done } = startAgentInNode(fixture, args);
  const timer = setTimeout(() => killGroup(child), DEADLINE_MS);
  const result = await done;
  clearTimeout(timer);
  return result;
}

/** The unit's ExecStart as systemd would run it, its machine paths mapped under the fixture's root. */
function unitLoader(fixture: Fixture): string[] {
  const unit = file(fixture, '/etc/systemd/system/kubeseed-metadata-guard.service');
  const execStart = unit.match(/^ExecStart=(.+)$/m)?.[1];
  assert.ok(execStart, `the unit has no ExecStart:\n${unit}`);
  return execStart!.split(/\s+/).map((word) => (word.startsWith('/etc/') ? join(fixture.root, word) : word));
}

let fixture: Fixture;

test.before(async () => {
  removeNetwork();
  buildNetwork();
  await startMetadataServer();
  fixture = makeFixture(makeBundle('init'));
});

test.after(async () => {
  metadataServer?.kill('SIGKILL');
  removeNetwork();
  await cleanup();
});

test('without the guard the network works both ways: the pod and the node reach the metadata service', () => {
  if (!IPV6) console.log('  (IPv6 is off in this kernel: IPv4 only)');
  assertReaches(NS.pod, 'before the agent');
  assertReaches(NS.node, 'before the agent');
});

test('`kubeseed-boot run`: by the time stand-in kubeadm init runs, the pod is refused and the node is not', async () => {
  control(fixture, 'kubeadm', ['hang 1 init']);
  const agent = startAgentInNode(fixture, ['run']);
  try {
    assert.ok(
      await waitFor(() => isHanging(fixture) || agent.child.exitCode !== null, DEADLINE_MS, 20),
      'the agent never reached kubeadm init',
    );
    if (!isHanging(fixture)) {
      const ended = await agent.done;
      assert.unreachable(`the agent ended (${ended.code}) before kubeadm init: ${ended.stderr}${ended.stdout}`);
    }
    assertShutOut('while kubeadm init runs');
  } finally {
    killGroup(agent.child);
    await agent.done;
  }
  const rerun = await agentInNode(fixture, ['run']);
  assert.is(rerun.code, 0, rerun.stderr);
  const nftCalls = commands(fixture).filter((line) => line.startsWith('nft'));
  assert.equal(nftCalls, [], 'the real nft ran, not the stand-in');
  assertShutOut('after the run');
});

test('one table, one base chain on the forward hook, the two rules once each; a unit systemd accepts, required by the kubelet', () => {
  const listing = nft(NS.node, 'list', 'ruleset');
  assert.equal(
    [...listing.matchAll(/^table (\S+ \S+)/gm)].map((match) => match[1]),
    ['inet kubeseed_metadata_guard'],
  );
  assert.match(listing, /type filter hook forward priority filter - 5; policy accept;/);
  assert.is(listing.match(/ip daddr 169\.254\.169\.254 counter packets \d+ bytes \d+ reject/g)?.length, 1);
  assert.is(listing.match(/ip6 daddr fd00:ec2::254 counter packets \d+ bytes \d+ reject/g)?.length, 1);

  // As the Kubernetes packages install it; the agent's drop-in joins it from kubelet.service.d.
  const units = join(fixture.root, 'etc/systemd/system');
  writeFileSync(join(units, 'kubelet.service'), '[Unit]\nDescription=kubelet\n\n[Service]\nExecStart=/bin/true\n');
  for (const unit of ['kubeseed-metadata-guard.service', 'kubelet.service']) {
    try {
      execFileSync(find('systemd-analyze')!, ['verify', join(units, unit)], { stdio: 'pipe' });
    } catch (error) {
      assert.unreachable(`systemd-analyze verify ${unit}: ${(error as { stderr: Buffer }).stderr}`);
    }
  }
  assert.match(
    file(fixture, '/etc/systemd/system/kubelet.service.d/10-kubeseed-metadata-guard.conf'),
    /^Requires=kubeseed-metadata-guard\.service$/m,
  );
});

test('pod-network and kube-proxy accept rules in their own tables do not let the pod through', () => {
  inNs(
    NS.node,
    [find('nft')!, '-f', '-'],
    [
      'table inet cni {',
      '  chain forward {',
      '    type filter hook forward priority 0; policy accept;',
      '    ip daddr 169.254.169.254 accept',
      '    ip6 daddr fd00:ec2::254 accept',
      '  }',
      '}',
      'table ip filter {',
      '  chain FORWARD {',
      '    type filter hook forward priority -10; policy accept;',
      '    ip daddr 169.254.169.254 accept',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  assertShutOut('with accept rules before and after the guard');
  nft(NS.node, 'delete', 'table', 'inet', 'cni');
  nft(NS.node, 'delete', 'table', 'ip', 'filter');
});

test('simulated reboot: the ruleset flushed, the pod gets through; the unit’s loader run (twice) → refused again', () => {
  nft(NS.node, 'flush', 'ruleset');
  assertReaches(NS.pod, 'after the flush, before the loader');
  const loader = unitLoader(fixture);
  for (let run = 0; run < 2; run++) inNs(NS.node, loader);
  assertShutOut('after the loader');
  const listing = nft(NS.node, 'list', 'ruleset');
  assert.is(listing.match(/reject/g)?.length, 2, `the loader ran twice and left each rule once:\n${listing}`);
});

test('`kubeseed-boot status` in the node shows the guard on, with the packets it refused', async () => {
  const status = await agentInNode(fixture, ['status']);
  assert.is(status.code, 0, status.stderr);
  const line = status.stdout.match(/^metadata guard: .*$/m)?.[0];
  assert.match(
    line ?? '',
    /^metadata guard: on: pods cannot reach 169\.254\.169\.254 or fd00:ec2::254 \(table inet kubeseed_metadata_guard, [1-9]\d* packets? refused so far\); kubeseed-metadata-guard\.service loads it at boot$/,
  );
  nft(NS.node, 'flush', 'ruleset');
  const lost = await agentInNode(fixture, ['status']);
  assert.match(
    lost.stdout,
    /^metadata guard: NOT LOADED: table inet kubeseed_metadata_guard is missing; run `systemctl restart kubeseed-metadata-guard\.service`/m,
  );
});

test.run();
