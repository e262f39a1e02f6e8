// Stock images: what the machine image lacks, installed from sources pinned in the
// catalogue (core/package-catalogue.ts). The Kubernetes community repository of the cluster's
// minor is trusted only once its key's fingerprint is the pinned one; kubeadm, kubelet and
// kubectl go in at exactly the bundle's version and are held there; containerd is one the
// minor supports: the distribution's where it qualifies, else containerd's own release files,
// checksum-pinned. Network trouble is waited out; a key, signature or checksum that does not
// match stops the phase, and nothing of the repository stays configured.
// Prepared images carry all of it: the phase only checks that their containerd suits the minor.
import { KERNEL_ARCHES } from '../../core/arch.ts';
import { KubeseedError } from '../../core/errors.ts';
import {
  CONTAINERD_RELEASES,
  CRI_TOOLS_PACKAGE,
  conntrackPackage,
  containerdSupports,
  describeContainerdSupport,
  KUBERNETES_PACKAGES,
  NFTABLES_PACKAGE,
  repositoryFor,
  upstreamVersion,
} from '../../core/package-catalogue.ts';
import { waitForSaneClock } from '../clock.ts';
import { mustRun } from '../commands.ts';
import { downloadRetrying } from '../downloads.ts';
import { Apt } from '../install/apt.ts';
import { installContainerdRelease, runningContainerdVersion } from '../install/containerd-release.ts';
import { Dnf } from '../install/dnf.ts';
import { type Distribution, distributionOf, OS_RELEASE_PATHS, parseOsRelease } from '../install/os-release.ts';
import type { PackageManager } from '../install/package-manager.ts';
import { checkPinnedKey } from '../openpgp-key.ts';
import { STATE_DIR } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';

const KEY_DOWNLOAD_PATH = `${STATE_DIR}/downloads/kubernetes-release.key`;
const RPI_ISSUE = '/etc/rpi-issue';

function minorOf(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

async function distribution(ctx: PhaseContext): Promise<Distribution> {
  for (const path of OS_RELEASE_PATHS) {
    const text = await ctx.host.readFile(path);
    if (text !== undefined) return distributionOf(parseOsRelease(text), (await ctx.host.stat(RPI_ISSUE)) !== undefined);
  }
  throw new KubeseedError(
    'unsupported',
    `neither ${OS_RELEASE_PATHS.join(' nor ')} exists: cannot tell the distribution`,
  );
}

function packageManager(distro: Distribution): PackageManager {
  return distro.packageManager === 'apt' ? new Apt() : new Dnf();
}

/** Preflight checks this too, after install: downloading the other architecture's containerd first would waste the wait. */
async function checkArch(ctx: PhaseContext): Promise<void> {
  const kernel = (await ctx.host.machine()).arch;
  if (KERNEL_ARCHES[kernel] !== ctx.bundle.node.arch)
    throw new KubeseedError(
      'preflight',
      `this machine is ${kernel}, the bundle is for ${ctx.bundle.node.arch}: use the ${ctx.bundle.node.arch} image or fix node.arch`,
    );
}

/** Fetched fresh every time: a cached copy's expiry says nothing; its fingerprint is what is trusted. */
async function repositoryKey(ctx: PhaseContext, keyUrl: string, fingerprint: string) {
  await downloadRetrying(ctx, keyUrl, KEY_DOWNLOAD_PATH, 0o600);
  const text = (await ctx.host.readFile(KEY_DOWNLOAD_PATH)) ?? '';
  await ctx.host.remove(KEY_DOWNLOAD_PATH);
  const key = checkPinnedKey(text, fingerprint, keyUrl);
  ctx.log.info(`${keyUrl} holds the pinned key ${key.fingerprint}`);
  return key;
}

type ContainerdPlan =
  | { source: 'installed'; version: string }
  | { source: 'package'; argument: string; version: string }
  | { source: 'release' };

async function planContainerd(ctx: PhaseContext, packages: PackageManager, minor: string): Promise<ContainerdPlan> {
  const supported = describeContainerdSupport(minor);
  const installed = await runningContainerdVersion(ctx);
  if (installed !== undefined && containerdSupports(minor, installed)) {
    ctx.log.info(`containerd ${installed} is installed already, and Kubernetes ${minor} supports it (${supported})`);
    return { source: 'installed', version: installed };
  }
  const offered = await packages.qualifyingContainerd(ctx, (version) => containerdSupports(minor, version));
  if (offered) {
    ctx.log.info(
      `containerd ${offered.version} from the package repositories: Kubernetes ${minor} supports it (${supported})`,
    );
    return { source: 'package', ...offered };
  }
  const release = CONTAINERD_RELEASES[minor]!;
  ctx.log.info(
    `the package repositories offer no containerd Kubernetes ${minor} supports (${supported})${installed ? `, nor is the installed ${installed} one` : ''}: installing containerd ${release.containerd.version} from its pinned release files`,
  );
  return { source: 'release' };
}

/** What `isDone` and the end of `run` require: the exact versions, held, and a containerd of the minor. */
async function problems(ctx: PhaseContext, packages: PackageManager): Promise<string[]> {
  const { kubernetesVersion } = ctx.bundle.cluster;
  const minor = minorOf(kubernetesVersion);
  const found: string[] = [];
  const installed = await packages.installed(ctx, KUBERNETES_PACKAGES);
  for (const name of KUBERNETES_PACKAGES) {
    const version = installed[name];
    if (version === undefined || upstreamVersion(version) !== kubernetesVersion)
      found.push(`${name} is ${version ?? 'not installed'}, not ${kubernetesVersion}`);
  }
  if (!(await packages.isHeld(ctx, KUBERNETES_PACKAGES))) found.push(`${KUBERNETES_PACKAGES.join(', ')} are not held`);
  const containerd = await runningContainerdVersion(ctx);
  if (containerd === undefined || !containerdSupports(minor, containerd))
    found.push(`containerd is ${containerd ?? 'missing'}, not one Kubernetes ${minor} supports`);
  return found;
}

/** Most cloud images carry nft; one that does not gets it here, before the metadata-guard phase needs it. */
async function guardPackages(ctx: PhaseContext): Promise<string[]> {
  if (!ctx.bundle.node.metadataGuard || (await ctx.host.findExecutable('nft')) !== undefined) return [];
  ctx.log.info(`nft is not on PATH: installing ${NFTABLES_PACKAGE} for the metadata guard`);
  return [NFTABLES_PACKAGE];
}

async function installStock(ctx: PhaseContext): Promise<void> {
  const { cluster, install } = ctx.bundle;
  const minor = minorOf(cluster.kubernetesVersion);
  await checkArch(ctx);
  await waitForSaneClock(ctx);
  const distro = await distribution(ctx);
  const packages = packageManager(distro);
  ctx.log.info(`${distro.name}: installing with ${distro.packageManager}`);

  const repository = repositoryFor(minor, packages.format, install.packageRepository);
  const key = await repositoryKey(ctx, repository.keyUrl, repository.keyFingerprint);
  await packages.addRepository(ctx, repository, key, minor);
  await packages.refresh(ctx);

  const wanted = await packages.pinned(ctx, KUBERNETES_PACKAGES, cluster.kubernetesVersion);
  const conntrack = conntrackPackage(minor, packages.format);
  const containerd = await planContainerd(ctx, packages, minor);
  await packages.install(ctx, [
    ...wanted,
    CRI_TOOLS_PACKAGE,
    ...(conntrack ? [conntrack] : []),
    ...(containerd.source === 'package' ? [containerd.argument] : []),
    ...(await guardPackages(ctx)),
  ]);
  await packages.hold(ctx, KUBERNETES_PACKAGES);
  if (containerd.source === 'release')
    await installContainerdRelease(ctx, CONTAINERD_RELEASES[minor]!, ctx.bundle.node.arch, install.releaseMirror);
  // Debian and Ubuntu enable it through the package's preset, RHEL does not; kubeadm starts it.
  await mustRun(ctx, ['systemctl', 'enable', 'kubelet.service'], { timeoutMs: 60_000 });

  const left = await problems(ctx, packages);
  if (left.length > 0) throw new KubeseedError('command-failed', `the installation did not take: ${left.join('; ')}`);
  ctx.log.info(`installed ${wanted.join(', ')} (held) and containerd ${await runningContainerdVersion(ctx)}`);
}

/** A prepared image's containerd was chosen by whoever built it: a mismatch is worth a warning, not a refusal. */
async function checkPrepared(ctx: PhaseContext): Promise<void> {
  const minor = minorOf(ctx.bundle.cluster.kubernetesVersion);
  ctx.log.info('prepared image: containerd, kubeadm, kubelet and kubectl come with it; nothing to install');
  const containerd = await runningContainerdVersion(ctx);
  if (containerd !== undefined && !containerdSupports(minor, containerd))
    ctx.log.warn(
      `the image's containerd ${containerd} is not one containerd recommends for Kubernetes ${minor} (${describeContainerdSupport(minor)}); rebuild the image with one of those`,
    );
}

export const install: Phase = {
  name: 'install',
  summary: 'stock images: containerd and the exact kubeadm, kubelet, kubectl from the pinned package repository',
  async run(ctx) {
    if (ctx.bundle.install.machineImage === 'prepared') return checkPrepared(ctx);
    await installStock(ctx);
  },
  async isDone(ctx) {
    if (ctx.bundle.install.machineImage === 'prepared') return false;
    try {
      return (await problems(ctx, packageManager(await distribution(ctx)))).length === 0;
    } catch {
      return false;
    }
  },
};
