// The images kubeadm pulls, per supported Kubernetes minor, as kubeadm's own constants name
// them (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go: PauseVersion,
// CoreDNSVersion, SupportedEtcdVersion) and as cmd/kubeadm/app/images/images.go assembles
// them. An air-gapped machine must hold exactly what `kubeadm config images list` prints, and
// containerd's sandbox image must be kubeadm's pause or kubeadm's preflight warns.
//
// Each value is the one in the minor's .0 release. kubeadm bumps SupportedEtcdVersion in
// patch releases, so a later patch's kubeadm may ask for another etcd tag; etcdNote says what
// is known. The source of every value is in the comment beside it.
import { KubeseedError } from './errors.ts';

export const DEFAULT_IMAGE_REPOSITORY = 'registry.k8s.io';

export interface KubeadmImageVersions {
  /** PauseVersion, e.g. "3.10". */
  pause: string;
  /** CoreDNSVersion, e.g. "v1.11.3". */
  coreDNS: string;
  /** SupportedEtcdVersion[minor], e.g. "3.5.15-0". */
  etcd: string;
  /** Where the etcd tag moves in patch releases, or was not seen in kubeadm's source. */
  etcdNote?: string;
  /** Where the CoreDNS tag was not seen in kubeadm's source at the release tag. */
  coreDNSNote?: string;
}

export const KUBEADM_IMAGE_VERSIONS: Readonly<Record<string, KubeadmImageVersions>> = {
  '1.31': {
    // constants.go @3301161c (1.31 line): PauseVersion = "3.10".
    pause: '3.10',
    // constants.go @3301161c: CoreDNSVersion = "v1.11.3".
    coreDNS: 'v1.11.3',
    // constants.go @3301161c: SupportedEtcdVersion{29, 30, 31: "3.5.15-0"}, DefaultEtcdVersion "3.5.15-0".
    etcd: '3.5.15-0',
    etcdNote:
      'later 1.31 patches carry newer 3.5.x tags: kubernetes PR #135020 cherry-picks the 3.5.24-0 bump to release-1.31; the patches in between were not read',
  },
  '1.32': {
    // constants.go @00886ac0 (release-1.32): PauseVersion = "3.10".
    pause: '3.10',
    // constants.go @00886ac0: CoreDNSVersion = "v1.11.3"; coredns/deployment PR #303 ("kubeadm v1.32 still uses coredns v1.11.3").
    coreDNS: 'v1.11.3',
    // constants.go @00886ac0: DefaultEtcdVersion = "3.5.16-0", the tag the map carried at release.
    etcd: '3.5.16-0',
    etcdNote:
      'the 1.32.0 map itself was not seen; DefaultEtcdVersion is 3.5.16-0. Late 1.32 patches map 29–32 to 3.5.24-0 (constants.go @00886ac0; kubernetes PR #134779)',
  },
  '1.33': {
    // build/dependencies.yaml @991b78f (1.33 development): "registry.k8s.io/pause: dependents" 3.10; kubeadm#3232 (1.33.4 expects pause 3.10).
    pause: '3.10',
    // build/dependencies.yaml @991b78f: coredns-kubeadm 1.12.0; coredns/deployment PR #306 cites v1.33.0's dependencies.yaml.
    coreDNS: 'v1.12.0',
    // kubernetes/kubeadm#3247 quotes SupportedEtcdVersion{31, 32, 33: "3.5.21-0"}; PR #134779 review: "release-1.33 is at .21".
    etcd: '3.5.21-0',
    etcdNote: 'later 1.33 patches carry 3.5.24-0 (kubernetes PR #135018, release-1.33 cherry-pick)',
  },
  '1.34': {
    // kubernetes PR #130713 (pause 3.10.1), cited by kubernetes-sigs/kubespray PR #12827 "Update pause image to 3.10.1 for Kubernetes 1.34".
    pause: '3.10.1',
    // `minikube image ls` for v1.34.0 (reference facts §5); not read in constants.go at the v1.34.0 tag.
    coreDNS: 'v1.12.1',
    coreDNSNote: 'from a v1.34.0 image listing, not from constants.go at the release tag',
    // `minikube image ls` for v1.34.0 (reference facts §5).
    etcd: '3.6.4-0',
    etcdNote:
      'from a v1.34.0 image listing; later 1.34 patches move to 3.6.5-0 (kubeadm#3247 quotes 34: "3.6.5-0") and may move again (kubernetes PRs #138392 → 3.6.10, #138746 → 3.6.11 name 1.34–1.36)',
  },
  '1.35': {
    // Reference facts §5; not read in constants.go at the v1.35.0 tag.
    pause: '3.10.1',
    // kubernetes/k8s.io PR #8652 promoted v1.13.1 (2025-10); the v1.13.2 bump, kubernetes PR #135814, was closed unmerged.
    coreDNS: 'v1.13.1',
    coreDNSNote: 'inferred from the image promotion and the unmerged later bump, not read at the v1.35.0 tag',
    // kubernetes PR #135271 (1.35 development, 2025-11): current minor "3.6.5-0" → "3.6.6-0".
    etcd: '3.6.6-0',
    etcdNote:
      'not read at the v1.35.0 tag: a later bump before the release is possible; later patches may carry 3.6.10/3.6.11 (kubernetes PRs #138392, #138746)',
  },
  '1.36': {
    // kubeclipper/kubeclipper PR #947: "k8s 1.36 uses pause:3.10.2, not 3.10.1".
    pause: '3.10.2',
    // kubernetes PR #137605 "bump coredns to v1.14.2" (2026-03); v1.14.3 (PR #138536) merged 2026-04-29, after 1.36.0.
    coreDNS: 'v1.14.2',
    coreDNSNote: 'not read at the v1.36.0 tag; a patch release may carry v1.14.3 (kubernetes PR #138536)',
    // sig-etcd's bump guide shows the 1.36 development map {34, 35, 36: "3.6.8-0"}; the 3.6.9 bump (PR #137956) was held for the 1.36 freeze.
    etcd: '3.6.8-0',
    etcdNote:
      'not read at the v1.36.0 tag; the 3.6.10 and 3.6.11 bumps (kubernetes PRs #138392, #138746, "for v1.34, v1.35, and v1.36") landed after the release and reach 1.36 patches only if cherry-picked',
  },
};

export const SUPPORTED_MINORS: readonly string[] = Object.keys(KUBEADM_IMAGE_VERSIONS);

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

function versionsFor(version: string): KubeadmImageVersions {
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
  return images;
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
