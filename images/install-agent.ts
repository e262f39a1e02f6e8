// Bakes kubeseed-boot into a machine image (`kubeseed agent install`): run it against the
// image's root filesystem (an mmdebstrap or debootstrap tree, a mounted disk image, a Packer
// or mkosi build root) before that image first boots.
//
// It installs, under the root:
//   /usr/local/bin/kubeseed-boot                                the agent (0755)
//   /etc/systemd/system/kubeseed-boot.service                   its unit, enabled for multi-user.target
//   /usr/share/kubeseed/templates/NAME/VERSION/manifest.yaml    the add-on templates node bundles refer to
//   /var/lib/kubeseed/images/FILE                               each air-gap archive given
// and reports each archive's path and sha256, which the node bundle names it by.
// Templates and the unit are checked against templates/index.json before anything is
// written, and the binary against the architecture: an image with a wrong file fails only at boot.
// The image must also carry containerd, runc, kubeadm, kubelet and kubectl of the
// cluster's minor version; this recipe installs none of those.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMPLATES_DIR } from '../bootstrap/paths.ts';
import { atomicWrite } from '../core/atomic-write.ts';
import { KubeseedError } from '../core/errors.ts';
import { packageRoot } from '../core/package-root.ts';
import { podNetworks, systemdUnits } from '../templates/index.ts';
import { templateSha256Ok } from '../templates/integrity.ts';
import type { AgentArch } from './agent-binary/targets.ts';

const AGENT_PATH = '/usr/local/bin/kubeseed-boot';
const UNIT_DIR = '/etc/systemd/system';
const WANTED_BY = 'multi-user.target';
const ARCHIVE_DIR = '/var/lib/kubeseed/images';
/** ELF e_machine values, so a binary for the wrong machine is refused here rather than at boot. */
const ELF_MACHINES: Record<AgentArch, number> = { amd64: 0x3e, arm64: 0xb7 };

export interface InstallOptions {
  /** The image's root filesystem. */
  root: string;
  arch: AgentArch;
  /** The agent binary for `arch`. */
  binary: string;
  /** Air-gap archives (`kubeseed images archive`) for /var/lib/kubeseed/images. */
  archives: string[];
  /** Where each line of the report goes. */
  report: (line: string) => void;
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
    const hint = error.code === 'ENOENT' ? '; run `kubeseed agent build` or pass --binary' : '';
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

function checkTemplates(templates: string): void {
  const { ok, mismatches } = templateSha256Ok(templates);
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

async function install(options: InstallOptions, source: string, path: string, mode: number): Promise<void> {
  const target = join(options.root, path);
  await mkdir(dirname(target), { recursive: true, mode: 0o755 });
  await atomicWrite(target, createReadStream(source), { mode });
  options.report(`${path} (${mode.toString(8).padStart(4, '0')})`);
}

/** What `systemctl enable` does for a unit with WantedBy=, without a running systemd. */
async function enable(options: InstallOptions, unitPath: string): Promise<void> {
  const link = join(options.root, UNIT_DIR, `${WANTED_BY}.wants`, basename(unitPath));
  await mkdir(dirname(link), { recursive: true, mode: 0o755 });
  await rm(link, { force: true });
  await symlink(unitPath, link);
  options.report(`${UNIT_DIR}/${WANTED_BY}.wants/${basename(unitPath)} -> ${unitPath}`);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `kubeseed images archive` writes FILE.sha256 beside FILE: a copy that went wrong is caught before the image ships. */
async function installArchive(options: InstallOptions, archive: string): Promise<void> {
  const path = `${ARCHIVE_DIR}/${basename(archive)}`;
  const recorded = existsSync(`${archive}.sha256`)
    ? (await readFile(`${archive}.sha256`, 'utf8')).trim().split(/\s+/)[0]
    : undefined;
  await install(options, archive, path, 0o644);
  const actual = await sha256Of(join(options.root, path));
  if (recorded !== undefined && recorded !== actual) {
    throw new KubeseedError(
      'integrity',
      `${path} has sha256 ${actual}, but ${archive}.sha256 says ${recorded}: the archive is damaged`,
    );
  }
  options.report(`  sha256 ${actual}: put this path and sha256 under imageArchives in cluster.yaml`);
}

export async function installAgent(options: InstallOptions): Promise<void> {
  const templates = join(packageRoot(), 'templates');
  await checkRoot(options.root);
  await checkBinary(options.binary, options.arch);
  checkTemplates(templates);
  for (const archive of options.archives) {
    if (!existsSync(archive)) throw new KubeseedError('io', `--images ${archive}: no such file`);
  }

  options.report(`installing kubeseed-boot (${options.arch}) into ${options.root}:`);
  await install(options, options.binary, AGENT_PATH, 0o755);
  const unit = systemdUnits['kubeseed-boot']!;
  const unitPath = `${UNIT_DIR}/${basename(unit.file)}`;
  await install(options, join(templates, unit.file), unitPath, 0o644);
  await enable(options, unitPath);
  for (const [name, template] of Object.entries(podNetworks)) {
    await install(
      options,
      join(templates, template.file),
      `${TEMPLATES_DIR}/${name}/${template.version}/manifest.yaml`,
      0o644,
    );
  }
  for (const archive of options.archives) await installArchive(options, archive);
}
