// The options `images list` and `images archive` share to choose a cluster's images: a
// cluster spec's (-f), or a Kubernetes version's with the add-ons named; and the explicit
// list `images archive --images` takes instead.
import { existsSync, readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { KubeseedError } from '../../core/errors.ts';
import { imageList } from '../../images/image-list.ts';
import { specImages } from '../spec-images.ts';
import type { CliIo } from './io.ts';
import { readSpecFile } from './spec-file.ts';

export interface SelectionOptions {
  file?: string;
  kubernetesVersion?: string;
  imageRepository?: string;
  podNetwork: string;
  kubeVip: boolean;
}

/** What the spec says instead: a flag beside -f could only disagree with it. */
const FROM_SPEC = ['kubernetesVersion', 'imageRepository', 'podNetwork', 'kubeVip'];

export function addSelectionOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '-f, --file <path>',
        'a cluster spec: its version, image repository and pod network, and kube-vip when its endpoint is {vip: …}',
      ).conflicts(FROM_SPEC),
    )
    .option('--kubernetes-version <version>', "the cluster's Kubernetes version, e.g. 1.34.2")
    .option('--image-repository <repository>', "kubeadm's imageRepository (its images only, as kubeadm does)")
    .option('--pod-network <name>', 'the pod network add-on, or none', 'flannel')
    .option('--kube-vip', 'add kube-vip (control-plane VIP)', false);
}

/** The images the options choose: the spec's with -f, else the version's. */
export async function selectedImages(options: SelectionOptions, io: CliIo): Promise<string[]> {
  return options.file === undefined ? versionImages(options) : specImages(await readSpecFile(options.file, io));
}

function versionImages(options: SelectionOptions): string[] {
  if (options.kubernetesVersion === undefined)
    throw new KubeseedError('usage', '-f cluster.yaml or --kubernetes-version is required (e.g. 1.33.2)');
  return imageList({
    kubernetesVersion: options.kubernetesVersion.replace(/^v/, ''),
    ...(options.imageRepository === undefined ? {} : { imageRepository: options.imageRepository }),
    ...(options.podNetwork === 'none' ? {} : { podNetwork: options.podNetwork }),
    kubeVip: options.kubeVip,
  });
}

/** `--images` is a file with one reference a line (# comments allowed) or a comma list. */
export function explicitImages(value: string): string[] {
  const lines =
    !value.includes(',') && existsSync(value)
      ? readFileSync(value, 'utf8')
          .split('\n')
          .map((line) => line.replace(/#.*/, ''))
      : value.split(',');
  const images = lines.map((line) => line.trim()).filter((line) => line !== '');
  if (images.length === 0) throw new KubeseedError('usage', `--images ${value} names no image`);
  return images;
}
