// `kubeseed images list|archive`: print a version's image list, or pull it into one air-gap
// archive. Argument errors are `usage` errors (the CLI exits 2 and prints its usage).
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KubeseedError } from '../core/errors.ts';
import { archiveImages } from './image-archive.ts';
import { imageList } from './image-list.ts';
import { formatBytes, stderrProgress } from './progress.ts';
import { parseArches } from './registry/platform.ts';

export const IMAGES_USAGE = `  images list --kubernetes-version V   every image a cluster of that version needs, one per line
      [--image-repository R]           kubeadm's imageRepository (its images only, as kubeadm does)
      [--pod-network NAME|none]        the pod network add-on (default flannel)
      [--kube-vip]                     add kube-vip (control-plane VIP)
  images archive --kubernetes-version V --arch amd64[,arm64] -o FILE
                                       pull them into one OCI archive FILE and FILE.sha256
      [--image-repository R] [--pod-network NAME|none] [--kube-vip]
      [--insecure]                     reach registries without TLS over plain HTTP (a local mirror)
      [--images FILE|A,B,…]            archive these images instead of a version's list
`;

const LIST_OPTIONS = {
  'kubernetes-version': { type: 'string' },
  'image-repository': { type: 'string' },
  'pod-network': { type: 'string', default: 'flannel' },
  'kube-vip': { type: 'boolean', default: false },
} as const;

const ARCHIVE_OPTIONS = {
  ...LIST_OPTIONS,
  arch: { type: 'string' },
  output: { type: 'string', short: 'o' },
  insecure: { type: 'boolean', default: false },
  images: { type: 'string' },
} as const;

function usage(message: string): KubeseedError {
  return new KubeseedError('usage', message);
}

function parse<T extends typeof LIST_OPTIONS | typeof ARCHIVE_OPTIONS>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw usage((error as Error).message);
  }
}

function versionImages(values: ReturnType<typeof parse<typeof LIST_OPTIONS>>): string[] {
  const kubernetesVersion = values['kubernetes-version'];
  if (kubernetesVersion === undefined) throw usage('--kubernetes-version is required (e.g. 1.33.2)');
  const podNetwork = values['pod-network'];
  return imageList({
    kubernetesVersion: kubernetesVersion.replace(/^v/, ''),
    ...(values['image-repository'] === undefined ? {} : { imageRepository: values['image-repository'] }),
    ...(podNetwork === 'none' ? {} : { podNetwork }),
    kubeVip: values['kube-vip'],
  });
}

/** `--images` is a file with one reference a line (# comments allowed) or a comma list. */
function explicitImages(value: string): string[] {
  const lines =
    !value.includes(',') && existsSync(value)
      ? readFileSync(value, 'utf8')
          .split('\n')
          .map((line) => line.replace(/#.*/, ''))
      : value.split(',');
  const images = lines.map((line) => line.trim()).filter((line) => line !== '');
  if (images.length === 0) throw usage(`--images ${value} names no image`);
  return images;
}

async function list(args: string[]): Promise<void> {
  process.stdout.write(
    versionImages(parse(args, LIST_OPTIONS))
      .map((image) => `${image}\n`)
      .join(''),
  );
}

async function archive(args: string[]): Promise<void> {
  const values = parse(args, ARCHIVE_OPTIONS);
  if (values.arch === undefined)
    throw usage(
      '--arch is required: the architectures of the machines that will import the archive (amd64, arm64 or amd64,arm64)',
    );
  if (values.output === undefined) throw usage('-o FILE is required (e.g. -o images.tar)');
  if (values.images !== undefined && values['kubernetes-version'] !== undefined) {
    throw usage('--images replaces the list --kubernetes-version makes: give one of them');
  }
  const arches = parseArches(values.arch);
  const images = values.images === undefined ? versionImages(values) : explicitImages(values.images);
  const result = await archiveImages({
    images,
    arches,
    output: values.output,
    insecure: values.insecure,
    progress: stderrProgress(),
  });
  process.stdout.write(
    `${result.archive}: ${result.images.length} images for ${arches.map((arch) => `linux/${arch}`).join(', ')}, ${result.blobs} blobs, ${formatBytes(result.size)}\n` +
      `${result.checksumFile}: sha256 ${result.sha256}\n`,
  );
}

const SUBCOMMANDS: Record<string, (args: string[]) => Promise<void>> = { list, archive };

export async function imagesCommand(args: string[]): Promise<void> {
  const [name, ...rest] = args;
  const subcommand = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!subcommand)
    throw usage(
      `images needs a subcommand: ${Object.keys(SUBCOMMANDS).join(' or ')}${name === undefined ? '' : ` (not ${JSON.stringify(name)})`}`,
    );
  await subcommand(rest);
}
