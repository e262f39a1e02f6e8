// The images kubeadm pulls, per supported Kubernetes minor, as kubeadm's own constants name
// them (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go: PauseVersion,
// CoreDNSVersion, SupportedEtcdVersion) and as cmd/kubeadm/app/images/images.go assembles
// them. An air-gapped machine must hold exactly what `kubeadm config images list` prints, and
// containerd's sandbox image must be kubeadm's pause or kubeadm's preflight warns.
//
// Each minor's values are those of its .0 release; `patches` lists where a patch release's
// kubeadm moved a tag (kubeadm bumps SupportedEtcdVersion, and once CoreDNSVersion, in patch
// releases). Source of every value, unless its comment says otherwise: the output of each
// released kubeadm binary's `kubeadm config images list`, as recorded in kubernetes/minikube
// pkg/minikube/constants/constants_kubeadm_images.go (KubeadmImages) @ eb25dbc7, which holds
// every release through v1.31.14, v1.32.13, v1.33.13, v1.34.10, v1.35.7 and v1.36.3; later
// patches take the last values known.
import { KubeseedError } from './errors.ts';

export const DEFAULT_IMAGE_REPOSITORY = 'registry.k8s.io';

export interface ImageTags {
  /** PauseVersion, e.g. "3.10". */
  pause: string;
  /** CoreDNSVersion, e.g. "v1.11.3". */
  coreDNS: string;
  /** SupportedEtcdVersion[minor], e.g. "3.5.15-0". */
  etcd: string;
}

export interface KubeadmImageVersions extends ImageTags {
  /** From which patch release on a tag differs from the .0 release's, in patch order. */
  patches?: readonly ({ fromPatch: number } & Partial<ImageTags>)[];
}

export const KUBEADM_IMAGE_VERSIONS: Readonly<Record<string, KubeadmImageVersions>> = {
  '1.31': {
    pause: '3.10',
    // v1.31.0 lists v1.11.1; the release-1.31 branch's constants.go (@3301161c) already says v1.11.3, which v1.31.1 ships (PR #126449).
    coreDNS: 'v1.11.1',
    etcd: '3.5.15-0',
    patches: [
      { fromPatch: 1, coreDNS: 'v1.11.3' },
      { fromPatch: 14, etcd: '3.5.24-0' },
    ],
  },
  '1.32': {
    // constants.go @00886ac0 (release-1.32) agrees: PauseVersion "3.10", CoreDNSVersion "v1.11.3", DefaultEtcdVersion "3.5.16-0".
    pause: '3.10',
    coreDNS: 'v1.11.3',
    etcd: '3.5.16-0',
    patches: [{ fromPatch: 10, etcd: '3.5.24-0' }],
  },
  '1.33': {
    pause: '3.10',
    coreDNS: 'v1.12.0',
    etcd: '3.5.21-0',
    patches: [{ fromPatch: 6, etcd: '3.5.24-0' }],
  },
  '1.34': {
    pause: '3.10.1',
    coreDNS: 'v1.12.1',
    etcd: '3.6.4-0',
    patches: [{ fromPatch: 2, etcd: '3.6.5-0' }],
  },
  '1.35': {
    pause: '3.10.1',
    coreDNS: 'v1.13.1',
    etcd: '3.6.6-0',
  },
  '1.36': {
    pause: '3.10.2',
    coreDNS: 'v1.14.2',
    etcd: '3.6.8-0',
  },
};

export const SUPPORTED_MINORS: readonly string[] = Object.keys(KUBEADM_IMAGE_VERSIONS);

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

function versionsFor(version: string): ImageTags {
  const match = VERSION.exec(version);
  const images = match ? KUBEADM_IMAGE_VERSIONS[`${match[1]}.${match[2]}`] : undefined;
  if (!images) {
    throw new KubeseedError('invalid-spec', `no image list for Kubernetes ${version}`, [
      {
        path: 'kubernetesVersion',
        message: `use a version like 1.33.2 of a supported minor: ${SUPPORTED_MINORS.join(', ')}`,
      },
    ]);
  }
  const patch = Number(match![3]);
  let tags: ImageTags = { pause: images.pause, coreDNS: images.coreDNS, etcd: images.etcd };
  for (const { fromPatch, ...moved } of images.patches ?? []) if (patch >= fromPatch) tags = { ...tags, ...moved };
  return tags;
}

/**
 * The images `kubeadm config images list --kubernetes-version v<version>` prints, in its order
 * (stacked etcd, kube-proxy and CoreDNS enabled).
 */
export function kubeadmImages(version: string, imageRepository = DEFAULT_IMAGE_REPOSITORY): string[] {
  const { pause, coreDNS, etcd } = versionsFor(version);
  const kubernetesImage = (name: string) => `${imageRepository}/${name}:v${version}`;
  // kubeadm keeps CoreDNS's coredns/ path only on its default registry (images.GetDNSImage).
  const coreDNSRepository =
    imageRepository === DEFAULT_IMAGE_REPOSITORY ? `${imageRepository}/coredns` : imageRepository;
  return [
    kubernetesImage('kube-apiserver'),
    kubernetesImage('kube-controller-manager'),
    kubernetesImage('kube-scheduler'),
    kubernetesImage('kube-proxy'),
    `${coreDNSRepository}/coredns:${coreDNS}`,
    `${imageRepository}/pause:${pause}`,
    `${imageRepository}/etcd:${etcd}`,
  ];
}

/** kubeadm's pause image, which containerd's sandbox image must equal. */
export function sandboxImage(version: string, imageRepository = DEFAULT_IMAGE_REPOSITORY): string {
  return `${imageRepository}/pause:${versionsFor(version).pause}`;
}
