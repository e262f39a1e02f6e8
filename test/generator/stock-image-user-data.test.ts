// User-data for stock images, from the real CLI: cloud-init's schema accepts it for every role
// and key algorithm, an RSA-2048 init node fits EC2's 16 KiB, and the script that fetches the
// agent really downloads with curl, wget or python3 from a local server, checks the sha512
// before anything is executable, and refuses a file that does not match.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { parseBundle } from '../../core/node-bundle.ts';
import {
  AGENT_BINARY_PATH,
  FETCH_SCRIPT_PATH,
  fetchAgentScript,
  stockImageUnit,
} from '../../generator/carriers/stock-image.ts';
import { cleanup, tempDir } from '../bootstrap/helpers.ts';
import { cloudInitSchema, writtenFiles } from '../helpers/cloud-init.ts';
import { FileServer } from '../helpers/file-server.ts';
import { runCli } from '../helpers/run-cli.ts';
import { needing } from '../helpers/tools.ts';

const test = needing(
  suite('stock image: user-data that fetches the agent (cloud-init schema, real curl/wget/python3)'),
  { tools: ['cloud-init', 'systemd-analyze', 'curl', 'wget', 'python3'] },
);
const servers: FileServer[] = [];
test.after(async () => {
  for (const server of servers) await server.close();
  await cleanup();
});

const AGENT = { url: 'https://files.example.com/kubeseed/kubeseed-boot-linux-amd64', sha512: 'a'.repeat(128) };

function spec(algorithm: string, extra = ''): string {
  return `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: stock
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.10:6443
networking: {podSubnet: 10.244.0.0/16}
pki: {algorithm: ${algorithm}}
agent:
  amd64: {url: "${AGENT.url}", sha512: "${AGENT.sha512}"}
${extra}nodes:
  - {name: cp-1, role: control-plane, address: 10.0.0.11}
  - {name: cp-2, role: control-plane, address: 10.0.0.12}
  - {name: w-1, role: worker, address: 10.0.0.21}
`;
}

interface Generated {
  out: string;
  report: { nodes: Record<string, { machineImage: string; userData: { bytes: number } }> };
}

async function generate(text: string): Promise<Generated> {
  const dir = tempDir('kubeseed-stock-');
  writeFileSync(join(dir, 'cluster.yaml'), text);
  const out = join(dir, 'out');
  const result = await runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', out]);
  assert.is(result.code, 0, result.stderr);
  return { out, report: JSON.parse(readFileSync(join(out, 'nodes.json'), 'utf8')) };
}

const sizes: string[] = [];

test('every role, RSA-2048 and ECDSA-P256: cloud-init schema accepts it, and the RSA-2048 init node fits EC2’s 16 KiB', async () => {
  for (const algorithm of ['RSA-2048', 'ECDSA-P256']) {
    const { out, report } = await generate(spec(algorithm));
    for (const [name, node] of Object.entries(report.nodes)) {
      const text = readFileSync(join(out, 'nodes', name, 'user-data'), 'utf8');
      cloudInitSchema(text);
      assert.is(node.machineImage, 'stock');
      assert.is(node.userData.bytes, Buffer.byteLength(text));
      assert.ok(node.userData.bytes <= 16384, `${algorithm} ${name}: ${node.userData.bytes} bytes`);
      sizes.push(`${algorithm} ${name}: ${node.userData.bytes} B (gzip ${gzipSync(text, { level: 9 }).length} B)`);
    }
  }
  console.log(`  stock user-data sizes: ${sizes.join('; ')}`);
});

test('what the user-data writes: the bundle (stock, pod network inline on the init node), the unit, the fetch script; runcmd enables before it downloads', async () => {
  const { out } = await generate(spec('ECDSA-P256'));
  const init = readFileSync(join(out, 'nodes/cp-1/user-data'), 'utf8');
  const files = writtenFiles(init);
  assert.equal(
    files.map((file) => [file.path, file.permissions]),
    [
      ['/etc/kubeseed/node.yaml', '0600'],
      ['/etc/systemd/system/kubeseed-boot.service', '0644'],
      [FETCH_SCRIPT_PATH, '0755'],
    ],
  );
  const bundle = parseBundle(files[0]!.content);
  assert.equal(bundle.install, { machineImage: 'stock' });
  assert.match(bundle.addons[0]!.manifest ?? '', /kind: DaemonSet/);
  const unit = readFileSync(new URL('../../templates/kubeseed-boot.service', import.meta.url), 'utf8');
  assert.is(files[1]!.content, stockImageUnit(unit));
  assert.is(files[2]!.content, fetchAgentScript(AGENT));
  assert.equal((parse(init) as { runcmd: unknown }).runcmd, [
    ['systemctl', 'daemon-reload'],
    ['systemctl', 'enable', 'kubeseed-boot.service'],
    `${FETCH_SCRIPT_PATH} && systemctl start --no-block kubeseed-boot.service`,
  ]);
  const worker = parseBundle(writtenFiles(readFileSync(join(out, 'nodes/w-1/user-data'), 'utf8'))[0]!.content);
  assert.equal(worker.addons, []);
});

// The boot partitions as the stock images ship them: Ubuntu Server 24.04 for Pi (system-boot)
// and Raspberry Pi OS trixie arm64 (bootfs, with its own seed files and fixed instance id).
const PI_BOOT_PARTITIONS = {
  'Ubuntu Server 24.04 arm64': {
    'config.txt': '[all]\nkernel=vmlinuz\ncmdline=cmdline.txt\narm_64bit=1\n',
    'cmdline.txt':
      'console=serial0,115200 multipath=off dwc_otg.lpm_enable=0 console=tty1 root=LABEL=writable rootfstype=ext4 rootwait fixrtc\n',
    vmlinuz: 'kernel',
  },
  'Raspberry Pi OS (trixie, arm64)': {
    'config.txt': 'auto_initramfs=1\narm_64bit=1\n[all]\n',
    'cmdline.txt':
      'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait resize',
    'kernel8.img': 'kernel',
    'kernel_2712.img': 'kernel',
    'meta-data': 'dsmode: local\ninstance_id: rpios-image\n',
    'user-data': '#cloud-config\n',
  },
};

test('media pi on a stock Ubuntu Server 24.04 and a stock Raspberry Pi OS boot partition: user-data that fetches the arm64 agent, kubeseed’s instance id, cgroup_enable=memory', async () => {
  const ARM64 = { url: 'http://files.example/kubeseed-boot-linux-arm64', sha512: 'b'.repeat(128) };
  const { out } = await generate(
    spec('ECDSA-P256')
      .replace('agent:\n', `agent:\n  arm64: {url: "${ARM64.url}", sha512: "${ARM64.sha512}"}\n`)
      .concat('  - {name: pi-1, role: worker, arch: arm64}\n'),
  );
  for (const [image, files] of Object.entries(PI_BOOT_PARTITIONS)) {
    const boot = tempDir('kubeseed-pi-boot-');
    for (const [name, content] of Object.entries(files)) writeFileSync(join(boot, name), content);
    const result = await runCli(['media', 'pi', '--node', 'pi-1', '--boot-dir', boot, '--from', out]);
    assert.is(result.code, 0, `${image}: ${result.stderr}`);
    const userData = readFileSync(join(boot, 'user-data'), 'utf8');
    cloudInitSchema(userData);
    const written = writtenFiles(userData);
    assert.is(written.find((file) => file.path === FETCH_SCRIPT_PATH)?.content, fetchAgentScript(ARM64), image);
    const bundle = parseBundle(written.find((file) => file.path === '/etc/kubeseed/node.yaml')!.content);
    assert.equal([bundle.node.arch, bundle.install.machineImage], ['arm64', 'stock'], image);
    assert.match(readFileSync(join(boot, 'meta-data'), 'utf8'), /^instance-id: kubeseed-stock-pi-1$/m, image);
    const cmdline = readFileSync(join(boot, 'cmdline.txt'), 'utf8');
    assert.is(cmdline.split('\n').length, files['cmdline.txt'].split('\n').length, `${image}: still one line`);
    assert.ok(cmdline.split(/\s+/).includes('cgroup_enable=memory'), `${image}: ${cmdline}`);
  }
});

test('the stock unit passes systemd-analyze verify: the fetch as ExecCondition, no start timeout', () => {
  const unit = stockImageUnit(readFileSync(new URL('../../templates/kubeseed-boot.service', import.meta.url), 'utf8'));
  assert.match(unit, `\n[Service]\nExecCondition=${FETCH_SCRIPT_PATH}\nTimeoutStartSec=infinity\n`);
  assert.not.match(unit, /^#/m);
  const dir = tempDir('kubeseed-unit-');
  const program = (name: string) => {
    const path = join(dir, name);
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
    return path;
  };
  const file = join(dir, 'kubeseed-boot.service');
  writeFileSync(
    file,
    unit.replace(FETCH_SCRIPT_PATH, program('fetch-agent')).replace(`${AGENT_BINARY_PATH} `, `${program('agent')} `),
  );
  const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  assert.is(`${result.stdout}${result.stderr}`, '');
  assert.is(result.status, 0);
});

test('machineImage and packageRepository in the spec reach the bundle; a fingerprint as gpg prints it is accepted', async () => {
  const { out, report } = await generate(
    spec(
      'ECDSA-P256',
      'packageRepository:\n  url: http://mirror.example/k8s/core:/stable:/\n  keyFingerprint: "de15 b144 86cd 377b 9e87  6e1a 2346 54da 9a29 6436"\nreleaseMirror: http://mirror.example/github/\n',
    ).replace(
      '{name: w-1, role: worker, address: 10.0.0.21}',
      '{name: w-1, role: worker, address: 10.0.0.21, machineImage: prepared}',
    ),
  );
  const bundle = (name: string) => parseBundle(readFileSync(join(out, 'nodes', name, 'node.yaml'), 'utf8'));
  assert.equal(bundle('cp-1').install, {
    machineImage: 'stock',
    packageRepository: {
      url: 'http://mirror.example/k8s/core:/stable:/',
      keyFingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436',
    },
    releaseMirror: 'http://mirror.example/github/',
  });
  assert.equal(bundle('w-1').install, { machineImage: 'prepared' });
  assert.is(report.nodes['w-1']!.machineImage, 'prepared');
  assert.equal(
    writtenFiles(readFileSync(join(out, 'nodes/w-1/user-data'), 'utf8')).map((file) => file.path),
    ['/etc/kubeseed/node.yaml'],
  );
});

test('validate: a stock node without an agent download, Ignition on a stock image → each named with its path', async () => {
  const dir = tempDir('kubeseed-stock-bad-');
  const file = join(dir, 'cluster.yaml');
  writeFileSync(
    file,
    spec('ECDSA-P256', 'machineImage: stock\n')
      .replace(/agent:\n.*\n/, '')
      .replace(
        '{name: w-1, role: worker, address: 10.0.0.21}',
        '{name: w-1, role: worker, address: 10.0.0.21, arch: arm64}',
      )
      .concat('  - {name: fc-1, role: worker, carrier: ignition}\n'),
  );
  const result = await runCli(['validate', '-f', file]);
  assert.is(result.code, 1);
  assert.match(
    result.stderr,
    /agent: needs amd64: \{url, sha512\}: nodes on stock images \(machineImage: stock, the default for cloud-init; cp-1 is one\)/,
  );
  assert.match(result.stderr, /agent: needs arm64: \{url, sha512\}: nodes on stock images/);
  assert.match(
    result.stderr,
    /\d+:\d+: machineImage: fc-1 uses the ignition carrier: .*set machineImage: prepared for it/,
  );
});

test('validate: a package mirror whose key fingerprint is not one → named with its path and line', async () => {
  const dir = tempDir('kubeseed-stock-bad-');
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, spec('ECDSA-P256', 'packageRepository: {url: http://mirror.example/, keyFingerprint: "1234"}\n'));
  const result = await runCli(['validate', '-f', file]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /\d+:\d+: packageRepository\.keyFingerprint: is not an OpenPGP fingerprint/);
});

/** The system's own tool (not a shim a developer's PATH may put first). */
function systemTool(name: string): string {
  const found = ['/usr/bin', '/bin'].map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (!found) throw new Error(`${name} is not installed in /usr/bin or /bin`);
  return found;
}

/** The fetch script with the agent's path moved into `dir`, run with only `tools` on PATH. */
async function runFetch(script: string, dir: string, tools: readonly string[]) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of tools) if (!existsSync(join(bin, tool))) symlinkSync(systemTool(tool), join(bin, tool));
  const target = join(dir, 'kubeseed-boot');
  const file = join(dir, 'fetch-agent');
  writeFileSync(file, script.replace(`T=${AGENT_BINARY_PATH}`, `T=${target}`));
  chmodSync(file, 0o755);
  // Asynchronous: the server answering it lives in this process.
  const child = spawn('/bin/sh', [file], { env: { PATH: bin } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  clearTimeout(timer);
  return { status, stdout, stderr, target };
}

const BASE_TOOLS = ['sh', 'sha512sum', 'cut', 'rm', 'chmod', 'mv', 'sleep'];
const AGENT_BYTES = Buffer.from('#!/bin/sh\necho stand-in kubeseed-boot\n'.repeat(2000));

async function agentServer(): Promise<FileServer> {
  const server = new FileServer();
  servers.push(server);
  await server.start();
  server.serve('/kubeseed-boot', { text: AGENT_BYTES });
  return server;
}

test('the fetch script downloads with curl, else wget, else python3, checks the sha512 and installs 0755; a second run only checks', async () => {
  const server = await agentServer();
  const sha512 = createHash('sha512').update(AGENT_BYTES).digest('hex');
  const script = fetchAgentScript({ url: `${server.url}/kubeseed-boot`, sha512 });
  for (const downloader of ['curl', 'wget', 'python3']) {
    const dir = tempDir(`kubeseed-fetch-${downloader}-`);
    const first = await runFetch(script, dir, [...BASE_TOOLS, downloader]);
    assert.is(first.status, 0, `${downloader}: ${first.stderr}`);
    assert.match(first.stdout, `kubeseed: installed ${first.target} from ${server.url}/kubeseed-boot (sha512 checked)`);
    assert.ok(readFileSync(first.target).equals(AGENT_BYTES), downloader);
    assert.is(statSync(first.target).mode & 0o777, 0o755);
    const before = server.requestsFor('/kubeseed-boot').length;
    const second = await runFetch(script, dir, [...BASE_TOOLS, downloader]);
    assert.is(second.status, 0);
    assert.is(server.requestsFor('/kubeseed-boot').length, before, `${downloader}: downloaded again`);
  }
});

test('a server that drops the first try → the script says so and tries again', async () => {
  const server = await agentServer();
  server.dropNext(1, '/kubeseed-boot');
  const sha512 = createHash('sha512').update(AGENT_BYTES).digest('hex');
  const dir = tempDir('kubeseed-fetch-retry-');
  const result = await runFetch(fetchAgentScript({ url: `${server.url}/kubeseed-boot`, sha512 }), dir, [
    ...BASE_TOOLS,
    'curl',
  ]);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, `kubeseed: download of ${server.url}/kubeseed-boot failed (try 1); trying again in 2s`);
  assert.is(server.requestsFor('/kubeseed-boot').length, 2);
});

test('a file whose sha512 is not the pinned one → exit 1 naming both digests; nothing installed, nothing executable left', async () => {
  const server = await agentServer();
  const dir = tempDir('kubeseed-fetch-bad-');
  const result = await runFetch(
    fetchAgentScript({ url: `${server.url}/kubeseed-boot`, sha512: 'b'.repeat(128) }),
    dir,
    [...BASE_TOOLS, 'curl'],
  );
  assert.is(result.status, 1);
  assert.match(
    result.stderr,
    /has sha512 [0-9a-f]{128}, not the b{128} the cluster spec pins \(agent\): kubeseed-boot is NOT installed/,
  );
  assert.not.ok(existsSync(result.target));
  assert.not.ok(existsSync(`${result.target}.download`));
  assert.is(server.requestsFor('/kubeseed-boot').length, 1, 'not downloaded again');
});

test.run();
