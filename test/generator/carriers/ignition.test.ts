import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../../core/errors.ts';
import { BUNDLE_PATH, parseBundle } from '../../../core/node-bundle.ts';
import {
  AGENT_PATH,
  type IgnitionInput,
  renderIgnition,
  SYSEXT_IMAGE_PATH,
  SYSEXT_LINK_PATH,
  unitForOptBin,
} from '../../../generator/carriers/ignition.ts';
import type { RemoteFile } from '../../../generator/spec/types.ts';
import { type GeneratedOut, generateOut } from '../../helpers/generated-out.ts';
import { IGNITION, needing } from '../../helpers/tools.ts';

const UNIT = readFileSync(new URL('../../../templates/kubeseed-boot.service', import.meta.url), 'utf8');
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0 ops@example';
const AGENT = randomBytes(3000);
const SYSEXT = randomBytes(5000);

function sha512(data: Buffer): string {
  return createHash('sha512').update(data).digest('hex');
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; output: string }> {
  // Asynchronous: the HTTP server Ignition downloads from runs in this process.
  return new Promise((resolve) => {
    execFile(command, args, { env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

async function ignitionValidate(config: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-ign-'));
  try {
    writeFileSync(join(dir, 'config.ign'), config);
    const result = await run('ignition-validate', [join(dir, 'config.ign')]);
    // Unknown keys are only warnings (exit 0), so any output at all is a failure.
    assert.is(result.code, 0, result.output);
    assert.is(result.output, '', result.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs Ignition's fetch-offline and files stages against a temporary root, as the initramfs would. */
async function applyIgnition(
  config: string,
): Promise<{ root: string; code: number; output: string; neednet: boolean; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-ign-'));
  // Ignition writes authorized_keys as the user it creates (uid 1000 in this root), who
  // must be able to walk down to the home directory.
  chmodSync(dir, 0o755);
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  mkdirSync(join(root, 'etc/selinux'), { recursive: true });
  mkdirSync(bin);
  // Debian's Ignition relabels for SELinux after writing: a policy of none and a no-op
  // setfiles let it finish on a host without SELinux.
  writeFileSync(join(root, 'etc/selinux/config'), 'SELINUX=disabled\nSELINUXTYPE=none\n');
  writeFileSync(join(bin, 'setfiles'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  writeFileSync(join(dir, 'config.ign'), config);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, IGNITION_CONFIG_FILE: join(dir, 'config.ign') };
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
  let code = 0;
  for (const stage of ['fetch-offline', 'files']) {
    const result = await run(IGNITION, ['-stage', stage, ...common], env);
    output += result.output;
    code = result.code;
    if (code !== 0) break;
  }
  return {
    root,
    code,
    output,
    neednet: existsSync(join(dir, 'neednet')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

interface Config {
  ignition: { version: string };
  passwd?: { users: Array<{ name: string; sshAuthorizedKeys: string[] }> };
  storage: {
    files: Array<{
      path: string;
      mode: number;
      contents: { source: string; compression?: string; verification?: { hash: string } };
    }>;
    links?: unknown[];
  };
  systemd: { units: Array<{ name: string; enabled: boolean; contents: string }> };
}

const ignitionSuite = suite('Ignition carrier: checked by ignition-validate and the real Ignition binary');
const withValidate = needing(ignitionSuite, { tools: ['ignition-validate'] });
// Ignition creates the user the keys belong to and hands it its files: only root can.
const withIgnition = needing(ignitionSuite, { root: true, tools: [IGNITION] });
let generated: GeneratedOut;
let server: Server;
let base = '';
const requests: string[] = [];

function bundleOf(node: string): string {
  return readFileSync(join(generated.out, `nodes/${node}/node.yaml`), 'utf8');
}

function input(node: string, overrides: Partial<IgnitionInput> = {}): IgnitionInput {
  return {
    hostname: node,
    bundleText: bundleOf(node),
    sshAuthorizedKeys: [KEY],
    agent: { url: `${base}/kubeseed-boot`, sha512: sha512(AGENT) },
    kubernetesSysext: { url: `${base}/kubernetes.raw`, sha512: sha512(SYSEXT) },
    agentUnit: UNIT,
    ...overrides,
  };
}

ignitionSuite.before(async () => {
  generated = await generateOut();
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const body = request.url === '/kubeseed-boot' ? AGENT : request.url === '/kubernetes.raw' ? SYSEXT : undefined;
    response.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
ignitionSuite.after(async () => {
  await new Promise((resolve) => server.close(resolve));
  generated.cleanup();
});

withValidate(
  'ignition-validate accepts every config, with and without keys and the sysext, without a warning',
  async () => {
    for (const node of ['cp-1', 'w-1', 'fc-1']) {
      await ignitionValidate(renderIgnition(input(node)));
      await ignitionValidate(renderIgnition(input(node, { sshAuthorizedKeys: [], kubernetesSysext: undefined })));
    }
  },
);

ignitionSuite('spec 3.3.0; the bundle is a gzip data URL with mode 0600; the agent is a verified download', () => {
  const config = JSON.parse(renderIgnition(input('cp-1'))) as Config;
  assert.is(config.ignition.version, '3.3.0');
  const bundle = config.storage.files.find((file) => file.path === BUNDLE_PATH)!;
  assert.is(bundle.mode, 0o600);
  assert.is(bundle.contents.compression, 'gzip');
  assert.match(bundle.contents.source, /^data:;base64,H4sI/);
  const agent = config.storage.files.find((file) => file.path === AGENT_PATH)!;
  assert.is(agent.mode, 0o755);
  assert.equal(agent.contents, { source: `${base}/kubeseed-boot`, verification: { hash: `sha512-${sha512(AGENT)}` } });
  assert.equal(config.passwd, { users: [{ name: 'core', sshAuthorizedKeys: [KEY] }] });
  const unit = config.systemd.units[0]!;
  assert.is(unit.name, 'kubeseed-boot.service');
  assert.is(unit.enabled, true);
  assert.is(
    unit.contents,
    UNIT.replace('ExecStart=/usr/local/bin/kubeseed-boot run', 'ExecStart=/opt/bin/kubeseed-boot run'),
  );
  const bare = JSON.parse(
    renderIgnition(input('w-1', { sshAuthorizedKeys: [], kubernetesSysext: undefined })),
  ) as Config;
  assert.is(bare.passwd, undefined);
  assert.is(bare.storage.links, undefined);
  assert.not.ok(bare.storage.files.some((file) => file.path === SYSEXT_IMAGE_PATH));
});

ignitionSuite('the same input renders the same bytes', () => {
  assert.is(renderIgnition(input('cp-1')), renderIgnition(input('cp-1')));
});

withIgnition(
  'real Ignition writes the bundle 0600, downloads and verifies the agent and sysext, and enables the unit',
  async () => {
    requests.length = 0;
    const applied = await applyIgnition(renderIgnition(input('cp-1')));
    try {
      assert.is(applied.code, 0, applied.output);
      // Remote contents: Ignition knows it must bring the network up before its fetch stage.
      assert.ok(applied.neednet, 'fetch-offline did not ask for the network');
      const bundlePath = join(applied.root, BUNDLE_PATH);
      assert.is(statSync(bundlePath).mode & 0o777, 0o600);
      const text = readFileSync(bundlePath, 'utf8');
      assert.is(text, bundleOf('cp-1'));
      const bundle = parseBundle(text);
      assert.is(bundle.node.name, 'cp-1');
      assert.is(bundle.pki.length, 6);
      const agentPath = join(applied.root, AGENT_PATH);
      assert.is(statSync(agentPath).mode & 0o777, 0o755);
      assert.ok(readFileSync(agentPath).equals(AGENT));
      assert.ok(readFileSync(join(applied.root, SYSEXT_IMAGE_PATH)).equals(SYSEXT));
      assert.ok(lstatSync(join(applied.root, SYSEXT_LINK_PATH)).isSymbolicLink());
      assert.is(readlinkSync(join(applied.root, SYSEXT_LINK_PATH)), SYSEXT_IMAGE_PATH);
      assert.equal(requests.sort(), ['/kubernetes.raw', '/kubeseed-boot']);
      const unit = readFileSync(join(applied.root, 'etc/systemd/system/kubeseed-boot.service'), 'utf8');
      assert.match(unit, /^ExecStart=\/opt\/bin\/kubeseed-boot run$/m);
      assert.match(
        readFileSync(join(applied.root, 'etc/systemd/system-preset/20-ignition.preset'), 'utf8'),
        /^enable kubeseed-boot\.service$/m,
      );
      assert.is(readFileSync(join(applied.root, 'etc/hostname'), 'utf8'), 'cp-1\n');
      assert.is(readFileSync(join(applied.root, 'home/core/.ssh/authorized_keys.d/ignition'), 'utf8').trim(), KEY);
    } finally {
      applied.cleanup();
    }
  },
);

withIgnition('a wrong sha512 makes Ignition fail, and the agent is not written', async () => {
  const wrong: RemoteFile = { url: `${base}/kubeseed-boot`, sha512: sha512(Buffer.from('something else')) };
  const applied = await applyIgnition(renderIgnition(input('w-1', { agent: wrong, kubernetesSysext: undefined })));
  try {
    assert.is.not(applied.code, 0);
    assert.match(applied.output, /kubeseed-boot": hash verification failed/);
    assert.not.ok(existsSync(join(applied.root, AGENT_PATH)));
  } finally {
    applied.cleanup();
  }
});

ignitionSuite('a unit text without an ExecStart running kubeseed-boot is refused', () => {
  try {
    unitForOptBin('[Service]\nExecStart=/bin/true\n');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, KubeseedError);
    assert.match(
      (error as Error).message,
      /kubeseed-boot\.service: expected one ExecStart= line running kubeseed-boot, found 0/,
    );
  }
});

ignitionSuite.run();
