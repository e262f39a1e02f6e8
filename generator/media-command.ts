// `kubeseed media`: puts a generated node's cloud-init files on something a machine boots
// with: a NoCloud seed ISO, or a Raspberry Pi image's boot partition.
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeseedError } from '../core/errors.ts';
import { loadNodeOutputs } from './media/node-outputs.ts';
import { MEMORY_CGROUP_FLAGS, writePiBootDir, writePiImage } from './media/pi.ts';
import { buildSeedIso, SEED_VOLUME_ID } from './media/seed.ts';

export const MEDIA_USAGE = `  media seed --node NAME -o FILE.iso [--from DIR]
                               a NoCloud seed ISO (label ${SEED_VOLUME_ID}) with the node's user-data,
                               meta-data and network-config from generate's output DIR (default out)
  media pi --node NAME (--image FILE.img | --boot-dir DIR) [--from DIR]
                               the same files in a Raspberry Pi image's boot partition (Ubuntu
                               system-boot or Raspberry Pi OS bootfs), or in one already mounted,
                               and the memory cgroup on the kernel command line
`;

const DEFAULT_FROM = 'out';

function options(args: string[], names: string[]): Record<string, string | undefined> {
  const spec = Object.fromEntries(
    names.map((name) => [name, { type: 'string' as const, ...(name === 'out' ? { short: 'o' } : {}) }]),
  );
  try {
    return parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values as Record<
      string,
      string | undefined
    >;
  } catch (error) {
    throw new KubeseedError('usage', `media: ${(error as Error).message}`);
  }
}

function required(values: Record<string, string | undefined>, name: string, command: string): string {
  const value = values[name];
  if (value === undefined) throw new KubeseedError('usage', `media ${command}: --${name} is required`);
  return value;
}

// The seed holds the node bundle (a control plane's carries the cluster's CA keys): it is
// written 0600, and under a temporary name first so a failed run leaves no partial seed.
async function writePrivate(path: string, content: Buffer): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.partial-${process.pid}`);
  try {
    await writeFile(temporary, content, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new KubeseedError('io', `cannot write ${path}: ${(error as Error).message}`);
  }
}

async function seed(args: string[]): Promise<void> {
  const values = options(args, ['node', 'out', 'from']);
  const nodeName = required(values, 'node', 'seed');
  const out = required(values, 'out', 'seed');
  const node = await loadNodeOutputs(values.from ?? DEFAULT_FROM, nodeName);
  const iso = buildSeedIso(node);
  await writePrivate(out, iso);
  process.stdout.write(
    `${out}: NoCloud seed for ${nodeName} (ISO 9660, label ${SEED_VOLUME_ID}, ${iso.length} bytes)\n`,
  );
}

async function pi(args: string[]): Promise<void> {
  const values = options(args, ['node', 'image', 'boot-dir', 'from']);
  const nodeName = required(values, 'node', 'pi');
  const image = values.image;
  const bootDir = values['boot-dir'];
  if ((image === undefined) === (bootDir === undefined)) {
    throw new KubeseedError('usage', 'media pi: give exactly one of --image FILE.img or --boot-dir DIR');
  }
  const node = await loadNodeOutputs(values.from ?? DEFAULT_FROM, nodeName);
  const result = image === undefined ? await writePiBootDir(bootDir!, node) : await writePiImage(image, node);
  const cmdline = result.cmdlineChanged
    ? `cmdline.txt now has ${MEMORY_CGROUP_FLAGS.join(' ')}`
    : 'cmdline.txt already had the memory cgroup';
  process.stdout.write(`${result.where}: user-data, meta-data and network-config for ${nodeName}; ${cmdline}\n`);
}

const subcommands: Record<string, (args: string[]) => Promise<void>> = { seed, pi };

export async function mediaCommand(args: string[]): Promise<void> {
  const [name, ...rest] = args;
  const subcommand = name !== undefined && Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (!subcommand) {
    throw new KubeseedError(
      'usage',
      `media: expected ${Object.keys(subcommands).join(' or ')}${name === undefined ? '' : `, not ${JSON.stringify(name)}`}`,
    );
  }
  await subcommand(rest);
}
