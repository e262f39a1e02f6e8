// The options `images list` and `images archive` share to choose a Kubernetes version's
// images, and the explicit list `images archive --images` takes instead.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KubeseedError } from '../../core/errors.ts';
import { imageList } from '../../images/image-list.ts';

export interface SelectionOptions {
  kubernetesVersion?: string;
  imageRepository?: string;
  podNetwork: string;
  kubeVip: boolean;
}

export function addSelectionOptions(command: Command): Command {
  return command
    .option('--kubernetes-version <version>', "the cluster's Kubernetes version, e.g. 1.34.2")
    .option('--image-repository <repository>', "kubeadm's imageRepository (its images only, as kubeadm does)")
    .option('--pod-network <name>', 'the pod network add-on, or none', 'flannel')
    .option('--kube-vip', 'add kube-vip (control-plane VIP)', false);
}

export function versionImages(options: SelectionOptions): string[] {
  if (options.kubernetesVersion === undefined)
    throw new KubeseedError('usage', '--kubernetes-version is required (e.g. 1.33.2)');
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
