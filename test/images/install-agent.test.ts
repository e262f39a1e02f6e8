// `kubeseed agent install` (images/install-agent.ts), the recipe that bakes kubeseed-boot
// into a machine image, run as a user runs it against a root filesystem. The e2e boots (test/e2e) then boot an image
// it made; these check what it writes and what it refuses.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TEMPLATES_DIR } from '../../bootstrap/paths.ts';
import { podNetworks } from '../../templates/index.ts';
import { type CliResult, runCli } from '../helpers/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** The start of an ELF executable for x86-64 (e_machine 0x3e): all the recipe looks at. */
function fakeAgent(dir: string, machine = 0x3e): string {
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(header);
  header.writeUInt16LE(2, 16);
  header.writeUInt16LE(machine, 18);
  const path = join(dir, 'kubeseed-boot');
  writeFileSync(path, header);
  return path;
}

function install(args: string[]): Promise<CliResult> {
  return runCli(['agent', 'install', ...args]);
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const Recipe = suite<{ dir: string; root: string; agent: string }>('kubeseed agent install');

Recipe.before.each((context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'kubeseed-install-'));
  context.root = join(context.dir, 'rootfs');
  mkdirSync(join(context.root, 'etc'), { recursive: true });
  context.agent = fakeAgent(context.dir);
});

Recipe.after.each(({ dir }) => rmSync(dir, { recursive: true, force: true }));

Recipe(
  'installs the agent, its unit enabled for multi-user.target, and the templates where the agent reads them',
  async ({ root, agent }) => {
    for (let run = 0; run < 2; run++) {
      const result = await install(['--root', root, '--binary', agent]);
      assert.is(result.code, 0, result.stderr);
    }
    assert.ok(readFileSync(join(root, 'usr/local/bin/kubeseed-boot')).equals(readFileSync(agent)));
    assert.is(mode(join(root, 'usr/local/bin/kubeseed-boot')), 0o755);
    const unit = join(root, 'etc/systemd/system/kubeseed-boot.service');
    assert.fixture(readFileSync(unit, 'utf8'), readFileSync(join(REPO, 'templates/kubeseed-boot.service'), 'utf8'));
    assert.is(mode(unit), 0o644);
    assert.is(
      readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/kubeseed-boot.service')),
      '/etc/systemd/system/kubeseed-boot.service',
    );
    for (const [name, template] of Object.entries(podNetworks)) {
      const installed = join(root, `${TEMPLATES_DIR}/${name}/${template.version}/manifest.yaml`);
      assert.is(sha256(readFileSync(installed)), template.sha256, name);
      assert.is(mode(installed), 0o644);
    }
  },
);

Recipe(
  'puts air-gap archives in /var/lib/kubeseed/images and prints the sha256 bundles name them by',
  async ({ dir, root, agent }) => {
    const archive = join(dir, 'k8s-1.34.2.tar');
    writeFileSync(archive, 'an archive\n');
    const hash = sha256(readFileSync(archive));
    writeFileSync(`${archive}.sha256`, `${hash}  k8s-1.34.2.tar\n`);
    const result = await install(['--root', root, '--binary', agent, '--images', archive]);
    assert.is(result.code, 0, result.stderr);
    const installed = join(root, 'var/lib/kubeseed/images/k8s-1.34.2.tar');
    assert.is(readFileSync(installed, 'utf8'), 'an archive\n');
    assert.is(mode(installed), 0o644);
    assert.match(result.stdout, `/var/lib/kubeseed/images/k8s-1.34.2.tar (0644)\n  sha256 ${hash}`);
  },
);

Recipe('refuses an archive that does not match its .sha256', async ({ dir, root, agent }) => {
  const archive = join(dir, 'k8s.tar');
  writeFileSync(archive, 'truncated');
  writeFileSync(`${archive}.sha256`, `${'0'.repeat(64)}  k8s.tar\n`);
  const result = await install(['--root', root, '--binary', agent, '--images', archive]);
  assert.is(result.code, 1);
  assert.match(result.stderr, 'the archive is damaged');
});

Recipe(
  'refuses a binary for another architecture and a directory that is no root filesystem',
  async ({ dir, root, agent }) => {
    const arm = await install(['--root', root, '--arch', 'arm64', '--binary', agent]);
    assert.is(arm.code, 1);
    assert.match(arm.stderr, 'is not a Linux arm64 executable');
    const notRoot = await install(['--root', join(dir, 'nowhere'), '--binary', agent]);
    assert.is(notRoot.code, 1);
    assert.match(notRoot.stderr, 'has no etc/ directory');
  },
);

Recipe('usage errors exit 2 and write nothing', async ({ root }) => {
  const result = await install([]);
  assert.is(result.code, 2);
  assert.match(
    result.stderr,
    /^error: required option '--root <dir>' not specified\nRun 'kubeseed agent install --help' for usage\.\n$/,
  );
  const riscv = await install(['--root', root, '--arch', 'riscv64']);
  assert.is(riscv.code, 2);
  assert.match(riscv.stderr, /^error: --arch riscv64 is unknown; expected amd64 or arm64\n/);
  assert.is(statSync(join(root, 'etc')).isDirectory(), true);
  assert.throws(() => statSync(join(root, 'usr')));
});

Recipe.run();
