// What a stock machine image trusts when kubeseed-boot turns it into a node: the Kubernetes
// community package repositories and their signing key, and which containerd a Kubernetes
// minor may run on. Every pinned value names its source; nothing here is looked up at run time.
import type { Arch } from './arch.ts';
import { SUPPORTED_MINORS } from './kubernetes-versions.ts';

export type PackageFormat = 'deb' | 'rpm';

/** Where Kubernetes packages come from and the one key allowed to sign them. */
export interface PackageRepository {
  /** The base under which each minor has its repositories: `${url}v1.34/deb/`, `${url}v1.34/rpm/`. */
  url: string;
  /** OpenPGP v4 fingerprint of the signing key (40 uppercase hex digits). */
  keyFingerprint: string;
}

export const KUBERNETES_PACKAGE_REPOSITORY: PackageRepository = {
  // kubernetes/website install-kubeadm (Debian and Red Hat tabs): one repository per minor,
  // `https://pkgs.k8s.io/core:/stable:/v1.NN/deb/` and `/rpm/`.
  url: 'https://pkgs.k8s.io/core:/stable:/',
  // isv:kubernetes OBS Project <isv:kubernetes@build.opensuse.org>, rsa2048, no subkey; the one key
  // signing every minor (kubernetes/kubernetes#128609 shows it; kubernetes/release#3818: its expiry
  // is extended in place, and older minors' repositories may still serve an expired copy).
  keyFingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436',
};

/**
 * The minor whose repository the community key is fetched from: the newest, because older
 * minors' repositories may serve a copy whose expiry was never extended (kubernetes/release#3818).
 * The fingerprint is what is trusted, never the copy's dates.
 */
export const COMMUNITY_KEY_MINOR = SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]!;

export interface ResolvedRepository {
  /** The repository of the cluster's minor: `deb URL /` on apt, `baseurl=URL` on dnf. */
  url: string;
  keyUrl: string;
  keyFingerprint: string;
}

/**
 * The repository for a minor. A site's own mirror (`packageRepository` in the spec) keeps the
 * community layout and is asked for its key at the cluster's own minor: it may mirror no other.
 */
export function repositoryFor(minor: string, format: PackageFormat, mirror?: PackageRepository): ResolvedRepository {
  const source = mirror ?? KUBERNETES_PACKAGE_REPOSITORY;
  const base = source.url.endsWith('/') ? source.url : `${source.url}/`;
  const keyMinor = mirror ? minor : COMMUNITY_KEY_MINOR;
  // install-kubeadm: `.../deb/Release.key` beside InRelease; `.../rpm/repodata/repomd.xml.key` for dnf.
  const keyPath = format === 'deb' ? 'Release.key' : 'repodata/repomd.xml.key';
  return {
    url: `${base}v${minor}/${format}/`,
    keyUrl: `${base}v${keyMinor}/${format}/${keyPath}`,
    keyFingerprint: source.keyFingerprint,
  };
}

/** Installed at exactly the cluster's version and held there. */
export const KUBERNETES_PACKAGES = ['kubeadm', 'kubelet', 'kubectl'] as const;
/**
 * crictl: kubeadm 1.30–1.31 packages depend on it, and so do ≥1.32 packages built before
 * kubernetes/release commit 0ffd6e1f (2026-04-24); installed always, it is also the CRI debugging tool.
 */
export const CRI_TOOLS_PACKAGE = 'cri-tools';

/** nft, with which the metadata-guard phase loads its table: the same package name on Debian, Ubuntu, RHEL and Fedora. */
export const NFTABLES_PACKAGE = 'nftables';

/**
 * kubeadm's preflight looks for conntrack before 1.32, and kubelet packages built before
 * kubernetes/release commit d2a7ae37 (2025-09-06) stopped depending on it.
 */
export function conntrackPackage(minor: string, format: PackageFormat): string | undefined {
  if (compareVersions(minor, '1.32') >= 0) return undefined;
  return format === 'deb' ? 'conntrack' : 'conntrack-tools';
}

/**
 * containerd/containerd RELEASES.md, "Kubernetes Support": the containerd versions recommended
 * for each Kubernetes minor, as `MAJOR.MINOR.PATCH+` (that line from that patch on). 1.32–1.36 at
 * commit 301026e58c619e63d09c0ec411012e54c0124b03 (2026-08-22); the 1.31 row at
 * c49379c38a51bd26f22129cc9eb904bcecb5387c (2025-12-17), before b5ee44fe8 dropped it.
 */
export const CONTAINERD_SUPPORT: Readonly<Record<string, readonly string[]>> = {
  '1.31': ['2.1.0', '2.0.0', '1.7.20', '1.6.34'],
  '1.32': ['2.1.0', '2.0.1', '1.7.24', '1.6.36'],
  '1.33': ['2.1.0', '2.0.4', '1.7.24', '1.6.36'],
  '1.34': ['2.1.3', '2.0.6', '1.7.28', '1.6.39'],
  '1.35': ['2.2.0', '2.1.5', '1.7.28'],
  '1.36': ['2.3.0', '2.2.0'],
};

export interface PinnedDownload {
  version: string;
  url: Record<Arch, string>;
  sha256: Record<Arch, string>;
}

export interface ContainerdRelease {
  containerd: PinnedDownload;
  runc: PinnedDownload;
}

function containerdStatic(version: string, sha256: Record<Arch, string>): PinnedDownload {
  // containerd Makefile STATICRELEASE: containerd-static-<v>-linux-<arch>.tar.gz, uploaded to the
  // GitHub release by .github/workflows/release.yml. Static, so any glibc (RHEL 9 included) runs it.
  const url = (arch: Arch) =>
    `https://github.com/containerd/containerd/releases/download/v${version}/containerd-static-${version}-linux-${arch}.tar.gz`;
  return { version, url: { amd64: url('amd64'), arm64: url('arm64') }, sha256 };
}

function runcStatic(version: string, sha256: Record<Arch, string>): PinnedDownload {
  // opencontainers/runc script/release_build.sh: the static binary runc.<arch>.
  const url = (arch: Arch) => `https://github.com/opencontainers/runc/releases/download/v${version}/runc.${arch}`;
  return { version, url: { amd64: url('amd64'), arm64: url('arm64') }, sha256 };
}

// Digests: kubernetes-sigs/kubespray roles/kubespray_defaults/vars/main/checksums.yml at
// 46dbdd3994b32640bcd806b0097f50e8fdf1d514 (2026-08-21), containerd_static_archive_checksums and
// runc_checksums; each release's runc is the one its tag names in script/setup/runc-version.
const RUNC_1_3_6 = runcStatic('1.3.6', {
  amd64: '3f3921dbbee7723e9868f97e88e51ffc910206e3ba55646e74d93d24ea76023c',
  arm64: '6be27a061ef89bb14c6cb495405bba80f46cea213b8f79378a6086b1bac6b747',
});
const RUNC_1_4_3 = runcStatic('1.4.3', {
  amd64: 'f6ae8efc0fa40079e1475e97cbe9d1bd3f106a28d6af78a11d9f1bd565515e60',
  arm64: '633301e2e32f8a5ad54031aab4901eb00308bec677dd15faa2751e8f9dab5ca4',
});
/** containerd v2.1.9 (script/setup/runc-version: v1.3.6). */
const CONTAINERD_2_1_9: ContainerdRelease = {
  containerd: containerdStatic('2.1.9', {
    amd64: 'd52dec99dd13e63c6a24f292936c15f929ad826be1ce39d7a77a3d840b1a2299',
    arm64: 'f0e77d2bd29c6a4a463c593b3e9e39ce31b830ff572aba98ea544aa3b8f08be7',
  }),
  runc: RUNC_1_3_6,
};
/** containerd v2.2.7 (script/setup/runc-version: v1.3.6). */
const CONTAINERD_2_2_7: ContainerdRelease = {
  containerd: containerdStatic('2.2.7', {
    amd64: 'a1df5b5398fe9002c0217de7959bb5642e8deb5be965dcfef4c012ee90c09561',
    arm64: '5b1861b40bfdaa9078bb726eb192a8ec4c2667504b8e87c981189cfe2441bc9d',
  }),
  runc: RUNC_1_3_6,
};
/** containerd v2.3.4 (script/setup/runc-version: v1.4.3). */
const CONTAINERD_2_3_4: ContainerdRelease = {
  containerd: containerdStatic('2.3.4', {
    amd64: '1d0eccd52471ab75e8d4645b538f73dc635f905cd2be776366eb1036a0089595',
    arm64: 'ad21f456a69bca9c183a8bde892a7576d5d09ae88b3e376a47bde4a886037ab3',
  }),
  runc: RUNC_1_4_3,
};

/**
 * Where the distribution has no containerd the minor supports (Debian 12 ships 1.6.20,
 * Debian 13 1.7.24): the newest release of the newest containerd line its row names.
 */
export const CONTAINERD_RELEASES: Readonly<Record<string, ContainerdRelease>> = {
  '1.31': CONTAINERD_2_1_9,
  '1.32': CONTAINERD_2_1_9,
  '1.33': CONTAINERD_2_1_9,
  '1.34': CONTAINERD_2_1_9,
  '1.35': CONTAINERD_2_2_7,
  '1.36': CONTAINERD_2_3_4,
};

export const GITHUB = 'https://github.com/';

/** A release file's URL on a site's mirror of GitHub's release downloads (same paths under `mirror`). */
export function mirroredUrl(url: string, mirror: string | undefined): string {
  if (mirror === undefined || !url.startsWith(GITHUB)) return url;
  return `${mirror.endsWith('/') ? mirror : `${mirror}/`}${url.slice(GITHUB.length)}`;
}

/** Compares dotted numeric versions (`1.7.24` < `1.7.28` < `2.1.0`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

/**
 * The upstream containerd version in a package or program version: `1.7.24~ds1-6+deb13u1` (Debian),
 * `2.2.1-0ubuntu1~24.04.3` (Ubuntu), `1:1.7.28-1` (an epoch), `v2.1.9` (`containerd --version`).
 */
export function upstreamVersion(version: string): string | undefined {
  return /^(?:\d+:)?v?(\d+\.\d+\.\d+)(?![\d])/.exec(version)?.[1];
}

/** Whether containerd `version` is one RELEASES.md recommends for Kubernetes `minor`. */
export function containerdSupports(minor: string, version: string): boolean {
  const upstream = upstreamVersion(version);
  if (upstream === undefined) return false;
  const line = upstream.split('.').slice(0, 2).join('.');
  return (CONTAINERD_SUPPORT[minor] ?? []).some(
    (minimum) => minimum.startsWith(`${line}.`) && compareVersions(upstream, minimum) >= 0,
  );
}

/** `2.1.3+, 2.0.6+, …`: what a log line or an error tells the user to install. */
export function describeContainerdSupport(minor: string): string {
  return (CONTAINERD_SUPPORT[minor] ?? []).map((minimum) => `${minimum}+`).join(', ');
}
