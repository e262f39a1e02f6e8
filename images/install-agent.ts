// Bakes kubeseed-boot into a machine image: run it against the image's root filesystem
// (an mmdebstrap or debootstrap tree, a mounted disk image, a Packer or mkosi build root)
// before that image first boots.
//
//   npm run build:agent
//   node --import tsx images/install-agent.ts --root DIR [--arch amd64|arm64] [--binary FILE] [--images FILE]...
//
// It installs, under DIR:
//   /usr/local/bin/kubeseed-boot                                the agent (0755)
//   /etc/systemd/system/kubeseed-boot.service                   its unit, enabled for multi-user.target
//   /usr/share/kubeseed/templates/NAME/VERSION/manifest.yaml    the add-on templates node bundles refer to
//   /var/lib/kubeseed/images/FILE                               each air-gap archive given with --images
// and prints each archive's path and sha256, which the node bundle names it by.
// Templates and the unit are checked against templates/index.json before anything is
// written, and the binary against --arch: an image with a wrong file fails only at boot.
// The image must also carry containerd, runc, kubeadm, kubelet and kubectl of the
// cluster's minor version; this recipe installs none of those.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, readFile, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TEMPLATES_DIR } from '../bootstrap/paths.ts';
import { formatError, KubeseedError } from '../core/errors.ts';
import { podNetworks, systemdUnits, templateSha256Ok } from '../templates/index.ts';
import { REPO_ROOT } from './agent-binary/paths.ts';
import { AGENT_ARCHES, agentBinaryName, type AgentArch } from './agent-binary/targets.ts';

const USAGE = `Usage: node --import tsx images/install-agent.ts --root DIR [options]
  --root DIR       the image's root filesystem
  --arch ARCH      the image's architecture: ${AGENT_ARCHES.join(' or ')} (default amd64)
  --binary FILE    the agent binary (default dist/kubeseed-boot-linux-ARCH, which npm run build:agent makes)
  --images FILE    an air-gap archive (kubeseed images archive) to put in /var/lib/kubeseed/images; repeatable
`;

const AGENT_PATH = '/usr/local/bin/kubeseed-boot';
const UNIT_DIR = '/etc/systemd/system';
const WANTED_BY = 'multi-user.target';
const ARCHIVE_DIR = '/var/lib/kubeseed/images';
const TEMPLATES_SOURCE = join(REPO_ROOT, 'templates');
/** ELF e_machine values, so a binary for the wrong machine is refused here rather than at boot. */
const ELF_MACHINES: Record<AgentArch, number> = { amd64: 0x3e, arm64: 0xb7 };

interface Options {
  root: string;
  arch: AgentArch;
  binary: string;
  archives: string[];
}

function usage(message: string): KubeseedError {
  return new KubeseedError('usage', message);
}

function parseOptions(argv: string[]): Options | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        root: { type: 'string' },
        arch: { type: 'string', default: 'amd64' },
        binary: { type: 'string' },
        images: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw usage((error as Error).message);
  }
  if (values.help) return undefined;
  if (values.root === undefined) throw usage('--root is required');
  const arch = AGENT_ARCHES.find((candidate) => candidate === values.arch);
  if (!arch) throw usage(`--arch ${values.arch} is unknown; expected ${AGENT_ARCHES.join(' or ')}`);
  return {
    root: resolve(values.root),
    arch,
    binary: resolve(values.binary ?? join(REPO_ROOT, 'dist', agentBinaryName(arch))),
    archives: values.images.map((file) => resolve(file)),
  };
}

async function checkRoot(root: string): Promise<void> {
  const etc = await stat(join(root, 'etc')).catch(() => undefined);
  if (!etc?.isDirectory())
    throw new KubeseedError(
      'invalid-input',
      `${root} has no etc/ directory: --root must be the image's root filesystem`,
    );
}

async function checkBinary(binary: string, arch: AgentArch): Promise<void> {
  const header = Buffer.alloc(20);
  const handle = await open(binary, 'r').catch((error: NodeJS.ErrnoException) => {
    const hint = error.code === 'ENOENT' ? '; run `npm run build:agent` or pass --binary' : '';
    throw new KubeseedError('io', `cannot read the agent binary ${binary}: ${error.code ?? error.message}${hint}`);
  });
  try {
    await handle.read(header, 0, header.length, 0);
  } finally {
    await handle.close();
  }
  const isElf = header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  if (!isElf || header.readUInt16LE(18) !== ELF_MACHINES[arch]) {
    throw new KubeseedError(
      'invalid-input',
      `${binary} is not a Linux ${arch} executable; pass the binary built for --arch ${arch}`,
    );
  }
}

function checkTemplates(): void {
  const { ok, mismatches } = templateSha256Ok(TEMPLATES_SOURCE);
  if (ok) return;
  throw new KubeseedError(
    'integrity',
    `templates/ does not match templates/index.json; restore these files from the repository`,
    mismatches.map((mismatch) => ({
      path: mismatch.key,
      message: `${mismatch.file}: sha256 ${mismatch.actual ?? '(missing)'}, expected ${mismatch.expected}`,
    })),
  );
}

async function install(root: string, source: string, path: string, mode: number): Promise<void> {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  await copyFile(source, target);
  await chmod(target, mode);
  console.log(`${path} (${mode.toString(8).padStart(4, '0')})`);
}

/** What `systemctl enable` does for a unit with WantedBy=, without a running systemd. */
async function enable(root: string, unitPath: string): Promise<void> {
  const link = join(root, UNIT_DIR, `${WANTED_BY}.wants`, basename(unitPath));
  await mkdir(dirname(link), { recursive: true, mode: 0o755 });
  await rm(link, { force: true });
  await symlink(unitPath, link);
  console.log(`${UNIT_DIR}/${WANTED_BY}.wants/${basename(unitPath)} -> ${unitPath}`);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `kubeseed images archive` writes FILE.sha256 beside FILE: a copy that went wrong is caught before the image ships. */
async function installArchive(root: string, archive: string): Promise<void> {
  const path = `${ARCHIVE_DIR}/${basename(archive)}`;
  const recorded = existsSync(`${archive}.sha256`)
    ? (await readFile(`${archive}.sha256`, 'utf8')).trim().split(/\s+/)[0]
    : undefined;
  await install(root, archive, path, 0o644);
  const actual = await sha256Of(join(root, path));
  if (recorded !== undefined && recorded !== actual) {
    throw new KubeseedError(
      'integrity',
      `${path} has sha256 ${actual}, but ${archive}.sha256 says ${recorded}: the archive is damaged`,
    );
  }
  console.log(`  sha256 ${actual}: put this path and sha256 under imageArchives in cluster.yaml`);
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (!options) return void process.stdout.write(USAGE);
  await checkRoot(options.root);
  await checkBinary(options.binary, options.arch);
  checkTemplates();
  for (const archive of options.archives) {
    if (!existsSync(archive)) throw new KubeseedError('io', `--images ${archive}: no such file`);
  }

  console.log(`installing kubeseed-boot (${options.arch}) into ${options.root}:`);
  await install(options.root, options.binary, AGENT_PATH, 0o755);
  const unit = systemdUnits['kubeseed-boot']!;
  const unitPath = `${UNIT_DIR}/${basename(unit.file)}`;
  await install(options.root, join(TEMPLATES_SOURCE, unit.file), unitPath, 0o644);
  await enable(options.root, unitPath);
  for (const [name, template] of Object.entries(podNetworks)) {
    await install(
      options.root,
      join(TEMPLATES_SOURCE, template.file),
      `${TEMPLATES_DIR}/${name}/${template.version}/manifest.yaml`,
      0o644,
    );
  }
  for (const archive of options.archives) await installArchive(options.root, archive);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof KubeseedError ? formatError(error) : String((error as Error)?.stack ?? error);
  process.stderr.write(`error: ${message}\n`);
  if (error instanceof KubeseedError && error.code === 'usage') process.stderr.write(`\n${USAGE}`);
  process.exitCode = error instanceof KubeseedError && error.code === 'usage' ? 2 : 1;
});
