// Every image a cluster of one Kubernetes version needs before it can work without a
// registry: kubeadm's own (what `kubeadm config images list` prints), the pod network
// add-on's (from the template catalogue) and, with a control-plane VIP, kube-vip's.
// `imageRepository` moves only kubeadm's images, as kubeadm's own setting does; the add-ons'
// manifests name their registries themselves, so a mirror for those is a registry mirror
// on the node (the bundle's runtime.registryMirrors), not a rewrite here.
import { KubeseedError } from '../core/errors.ts';
import { parseReference } from '../core/image-reference.ts';
import { DEFAULT_IMAGE_REPOSITORY, kubeadmImages } from '../core/kubernetes-versions.ts';
import { podNetworks } from '../templates/index.ts';
import { KUBE_VIP_IMAGE } from './kube-vip-image.ts';

export interface ImageListOptions {
  /** MAJOR.MINOR.PATCH, e.g. `1.33.2`. */
  kubernetesVersion: string;
  /** kubeadm's `imageRepository` (default registry.k8s.io). */
  imageRepository?: string;
  /** A pod network template name from templates/index.json, e.g. `flannel`. */
  podNetwork?: string;
  kubeVip?: boolean;
}

function podNetworkImages(name: string): string[] {
  const entry = podNetworks[name];
  if (!entry) {
    throw new KubeseedError('invalid-spec', `no pod network template named ${JSON.stringify(name)}`, [
      { path: 'podNetwork', message: `use one of: ${Object.keys(podNetworks).join(', ')}` },
    ]);
  }
  return entry.images;
}

function checkRepository(repository: string): void {
  try {
    parseReference(`${repository}/pause:1`);
  } catch {
    throw new KubeseedError('invalid-spec', `image repository ${JSON.stringify(repository)} is not a registry path`, [
      {
        path: 'imageRepository',
        message: 'write it as host[:port][/path] in lower case, without a trailing slash, e.g. mirror.example.com/k8s',
      },
    ]);
  }
}

/** The images in kubeadm's order, then the pod network's, then kube-vip; each once. */
export function imageList(options: ImageListOptions): string[] {
  const repository = options.imageRepository ?? DEFAULT_IMAGE_REPOSITORY;
  checkRepository(repository);
  const images = [
    ...kubeadmImages(options.kubernetesVersion, repository),
    ...(options.podNetwork === undefined ? [] : podNetworkImages(options.podNetwork)),
    ...(options.kubeVip ? [KUBE_VIP_IMAGE] : []),
  ];
  return [...new Set(images)];
}
