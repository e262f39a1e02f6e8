// A Raspberry Pi boot partition made into a NoCloud seed. Ubuntu Server for Pi (FAT label
// `system-boot`) and Raspberry Pi OS from Trixie on (`bootfs`) run cloud-init with NoCloud
// reading user-data, meta-data and network-config from that partition; the kernel command
// line gains the memory cgroup, which Pi kernels leave off and the kubelet needs.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { FatImage } from './fat-image.ts';
import { NOCLOUD_FILES, type NodeOutputs } from './node-outputs.ts';
import { fatPartitions } from './partition-table.ts';
import { NO_PROGRESS, type Progress, type ProgressStream, stepProgress } from './progress.ts';

export const BOOT_LABELS = ['system-boot', 'bootfs'] as const;
export const MEMORY_CGROUP_FLAGS = ['cgroup_enable=memory', 'cgroup_memory=1'] as const;
// Only 32-bit images ship these kernels: 64-bit Raspberry Pi OS has kernel8.img and
// kernel_2712.img, Ubuntu arm64 has vmlinuz. 32-bit Raspberry Pi OS ships kernel8.img too
// (a 64-bit kernel under a 32-bit userland), so kernel8.img alone proves nothing.
const KERNELS_32_BIT = ['kernel.img', 'kernel7.img', 'kernel7l.img'];
/** Steps reported while writing into an image: find, check, the files, cmdline.txt. */
const IMAGE_STEPS = 3 + NOCLOUD_FILES.length;

/** The root of a boot partition, in an image or mounted. */
interface BootFiles {
  /** Where the files are, for messages. */
  readonly where: string;
  list(): Promise<string[]>;
  read(name: string): Promise<Buffer>;
  write(name: string, content: Buffer): Promise<void>;
}

export interface PiBootResult {
  where: string;
  cmdlineChanged: boolean;
}

/** Adds the memory cgroup flags missing from the first line; the rest stays byte for byte. */
export function withMemoryCgroup(cmdline: string): string {
  const end = cmdline.search(/\r?\n/);
  const line = end === -1 ? cmdline : cmdline.slice(0, end);
  const rest = end === -1 ? '' : cmdline.slice(end);
  const tokens = line.split(/\s+/);
  const missing = MEMORY_CGROUP_FLAGS.filter((flag) => !tokens.includes(flag));
  if (missing.length === 0) return cmdline;
  const flags = missing.join(' ');
  // Arguments after `--` go to init, not the kernel.
  const initArgs = /(^|\s)--(\s|$)/.exec(line);
  if (initArgs) {
    const at = initArgs.index + initArgs[1]!.length;
    return `${line.slice(0, at)}${flags} ${line.slice(at)}${rest}`;
  }
  const body = line.trimEnd();
  return `${body}${body ? ' ' : ''}${flags}${line.slice(body.length)}${rest}`;
}

function requireArm64(node: NodeOutputs): void {
  if (node.arch !== 'arm64') {
    throw new KubeseedError(
      'invalid-spec',
      `node ${node.name} is ${node.arch}, but a Raspberry Pi runs arm64 images; set arch: arm64 for ${node.name} in the cluster spec and generate again`,
    );
  }
}

function stored(names: readonly string[], name: string): string | undefined {
  return names.find((candidate) => candidate.toLowerCase() === name);
}

// 64-bit means config.txt asks for it (arm_64bit=1, which both 64-bit Ubuntu and 64-bit
// Raspberry Pi OS set) and no 32-bit kernel is on the partition.
async function require64Bit(boot: BootFiles, names: readonly string[]): Promise<void> {
  const config = stored(names, 'config.txt');
  if (!config) {
    throw new KubeseedError(
      'invalid-input',
      `${boot.where} has no config.txt, so it is not a Raspberry Pi boot partition; pass the Pi image or its mounted boot partition`,
    );
  }
  const text = (await boot.read(config)).toString('utf8');
  const armed64 = text.split(/\r?\n/).some((line) => /^\s*arm_64bit\s*=\s*1\s*$/.test(line));
  const kernels32 = KERNELS_32_BIT.filter((kernel) => stored(names, kernel));
  if (!armed64 || kernels32.length > 0) {
    const evidence = kernels32.length > 0 ? `it has ${kernels32.join(', ')}` : 'config.txt does not set arm_64bit=1';
    throw new KubeseedError(
      'unsupported',
      `${boot.where} is a 32-bit (armhf) image: ${evidence}; kubeseed needs a 64-bit (arm64) image such as Ubuntu Server arm64 or Raspberry Pi OS (64-bit)`,
    );
  }
}

async function writeBoot(boot: BootFiles, node: NodeOutputs, progress: Progress): Promise<PiBootResult> {
  progress.step('checking the boot partition');
  const names = await boot.list();
  await require64Bit(boot, names);
  const cmdlineName = stored(names, 'cmdline.txt');
  if (!cmdlineName) {
    throw new KubeseedError(
      'invalid-input',
      `${boot.where} has no cmdline.txt; pass the Pi image or its mounted boot partition`,
    );
  }
  for (const file of NOCLOUD_FILES) {
    progress.step(`writing ${file}`);
    await boot.write(stored(names, file) ?? file, node.files[file]);
  }
  progress.step('checking cmdline.txt');
  const cmdline = (await boot.read(cmdlineName)).toString('utf8');
  const updated = withMemoryCgroup(cmdline);
  if (updated !== cmdline) await boot.write(cmdlineName, Buffer.from(updated, 'utf8'));
  return { where: boot.where, cmdlineChanged: updated !== cmdline };
}

/** The first FAT partition labelled like a Pi boot partition. */
async function findBootPartition(imagePath: string): Promise<BootFiles> {
  const found: string[] = [];
  for (const partition of await fatPartitions(imagePath)) {
    const image = new FatImage(imagePath, partition.offset);
    const label = await image.label();
    if (label === undefined) continue;
    if ((BOOT_LABELS as readonly string[]).includes(label.toLowerCase())) {
      return {
        where: `${imagePath} partition ${partition.number} (${label})`,
        list: () => image.list(),
        read: (name) => image.read(name),
        write: (name, content) => image.write(name, content),
      };
    }
    found.push(`partition ${partition.number} labelled ${JSON.stringify(label)}`);
  }
  throw new KubeseedError(
    'invalid-input',
    `${imagePath}: no FAT partition labelled ${BOOT_LABELS.join(' (Ubuntu) or ')} (Raspberry Pi OS); found ${found.length > 0 ? found.join(', ') : 'no FAT file system'}`,
  );
}

/** Writes the node's NoCloud files and the memory cgroup flags into a Pi disk image. */
export async function writePiImage(
  imagePath: string,
  node: NodeOutputs,
  stream?: ProgressStream,
): Promise<PiBootResult> {
  requireArm64(node);
  const { size } = await stat(imagePath).catch((error: NodeJS.ErrnoException) => {
    throw new KubeseedError(
      'io',
      `cannot read --image ${imagePath}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
    );
  });
  const progress = stepProgress(IMAGE_STEPS, size, stream);
  try {
    progress.step('finding the boot partition');
    return await writeBoot(await findBootPartition(imagePath), node, progress);
  } finally {
    progress.done();
  }
}

/** The same, into a boot partition that is already mounted at `dir`. */
export async function writePiBootDir(dir: string, node: NodeOutputs): Promise<PiBootResult> {
  requireArm64(node);
  const boot: BootFiles = {
    where: dir,
    list: () =>
      readdir(dir).catch((error: NodeJS.ErrnoException) => {
        throw new KubeseedError(
          'io',
          `cannot read --boot-dir ${dir}: ${error.code === 'ENOENT' ? 'no such directory' : error.message}`,
        );
      }),
    read: (name) => readFile(join(dir, name)),
    // Replaced atomically, so a pulled card holds the old cmdline.txt or the new one. No
    // mode: a FAT partition has none to set, its mount options decide.
    write: (name, content) => atomicWrite(join(dir, name), content),
  };
  return writeBoot(boot, node, NO_PROGRESS);
}
