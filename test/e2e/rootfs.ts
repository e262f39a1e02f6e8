// The e2e machine image: Debian bookworm (systemd, cloud-init, containerd, and a kernel for
// the qemu boot), kubeseed-boot installed by the users' own recipe (`kubeseed agent install`),
// and the test's stand-ins and units from test/e2e/guest. The strict stand-in kubeadm's
// checker is the same bundled file the agent tests run; Debian's nodejs package runs it
// (the image's only Node: kubeseed-boot is a single executable that runs nothing else), and
// the stand-in kubeadm package's version is a file of the image, as a real kubeadm's is its
// binary's. Two cached layers under
// .cache/e2e: the Debian base, keyed by what mmdebstrap is asked for (a minute or two,
// cold), and the image on top, keyed by every file that goes into it (seconds), so a new
// agent binary does not fetch Debian again.
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { agentBinaryPath } from '../../images/agent-binary/ensure.ts';
import { kubeadmChecker } from '../stand-ins/strict-kubeadm/bundle.ts';
import { KUBEADM_PACKAGE_VERSION_FILE } from '../stand-ins/strict-kubeadm/package.ts';
import { cached, InputHash, REPO } from './cache.ts';
import { exec } from './exec.ts';

const SUITE = 'bookworm';
/**
 * The stand-in kubeadm package the image carries, and so the version the e2e clusters use:
 * v1.31.0 lists CoreDNS v1.11.1 where its release branch (and once kubeseed's table) says
 * v1.11.3, so an image list taken from the branch fails the air-gapped boot.
 */
export const E2E_KUBERNETES_VERSION = '1.31.0';
/** The facts' nspawn recipe, containerd for the runtime phase, nftables for the metadata guard, python3 for the API server stand-in, nodejs for the strict stand-in kubeadm, and what the qemu boot needs. */
const PACKAGES = [
  'systemd-sysv',
  'dbus',
  'cloud-init',
  'iproute2',
  'containerd',
  'nftables',
  'python3',
  'nodejs',
  'linux-image-amd64',
  'initramfs-tools',
  'udev',
  'kmod',
];
const GUEST = join(REPO, 'test/e2e/guest');
const STAND_INS = join(REPO, 'test/stand-ins');
/** Installed before the kernel package, so its initrd is the small one. */
const INITRAMFS_FILES: Array<[source: string, path: string, mode: number]> = [
  [join(GUEST, 'initramfs-tools/conf.d/kubeseed-e2e.conf'), '/etc/initramfs-tools/conf.d/kubeseed-e2e.conf', 0o644],
  [join(GUEST, 'initramfs-tools/hooks/kubeseed-e2e'), '/etc/initramfs-tools/hooks/kubeseed-e2e', 0o755],
];
const GUEST_FILES: Array<[source: string, path: string, mode: number]> = [
  [join(GUEST, 'cloud.cfg'), '/etc/cloud/cloud.cfg.d/99-kubeseed-e2e.cfg', 0o644],
  [join(STAND_INS, 'lib.sh'), '/usr/lib/kubeseed-e2e/stand-ins/lib.sh', 0o644],
  [join(STAND_INS, 'kubeadm'), '/usr/lib/kubeseed-e2e/stand-ins/kubeadm', 0o755],
  [join(STAND_INS, 'kubectl'), '/usr/lib/kubeseed-e2e/stand-ins/kubectl', 0o755],
  [join(GUEST, 'kubeadm'), '/usr/bin/kubeadm', 0o755],
  [join(GUEST, 'kubectl'), '/usr/bin/kubectl', 0o755],
  [join(GUEST, 'kubelet'), '/usr/bin/kubelet', 0o755],
  [join(GUEST, 'kubelet.service'), '/usr/lib/systemd/system/kubelet.service', 0o644],
  [join(GUEST, 'collect'), '/usr/lib/kubeseed-e2e/collect', 0o755],
  [join(GUEST, 'apiserver'), '/usr/lib/kubeseed-e2e/apiserver', 0o755],
  [join(GUEST, 'container-kernel'), '/usr/lib/kubeseed-e2e/container-kernel', 0o755],
  [join(GUEST, 'modprobe'), '/usr/lib/kubeseed-e2e/modprobe', 0o755],
  [join(GUEST, 'kubeseed-e2e-collect.service'), '/etc/systemd/system/kubeseed-e2e-collect.service', 0o644],
  [join(GUEST, 'kubeseed-e2e-apiserver.service'), '/etc/systemd/system/kubeseed-e2e-apiserver.service', 0o644],
  [
    join(GUEST, 'kubeseed-e2e-container-kernel.service'),
    '/etc/systemd/system/kubeseed-e2e-container-kernel.service',
    0o644,
  ],
  [join(GUEST, 'out.mount'), '/etc/systemd/system/out.mount', 0o644],
];
const ENABLED_UNITS = [
  'kubeseed-e2e-collect.service',
  'kubeseed-e2e-apiserver.service',
  'kubeseed-e2e-container-kernel.service',
];
/** What the recipe reads besides the agent binary. */
const INSTALL_INPUTS = [
  'images/install-agent.ts',
  'templates/index.json',
  'templates/kubeseed-boot.service',
  'templates/flannel/v0.28.9/manifest.yaml',
];
const TSX = import.meta.resolve('tsx');
const MMDEBSTRAP_TIMEOUT_MS = 20 * 60_000;

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

async function baseKey(): Promise<string> {
  const hash = new InputHash().text('suite', SUITE).text('packages', PACKAGES.join(','));
  for (const [source, path, mode] of INITRAMFS_FILES) (await hash.file(source)).text(path, mode.toString(8));
  return hash.hex;
}

async function buildBase(dir: string): Promise<void> {
  console.log(`  building the e2e base root filesystem with mmdebstrap (${SUITE}; one to two minutes)`);
  const hooks = INITRAMFS_FILES.map(
    ([source, path, mode]) =>
      `--essential-hook=install -D -m ${mode.toString(8)} ${shellQuote(source)} "$1"${shellQuote(path)}`,
  );
  const rootfs = join(dir, 'rootfs');
  await mkdir(dir, { recursive: true });
  await exec('mmdebstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, ...hooks, SUITE, rootfs], {
    timeoutMs: MMDEBSTRAP_TIMEOUT_MS,
  });
}

const CHECKER_PATH = '/usr/lib/kubeseed-e2e/stand-ins/kubeadm-check.cjs';

function guestFiles(): Array<[source: string, path: string, mode: number]> {
  return [...GUEST_FILES, [kubeadmChecker(), CHECKER_PATH, 0o644]];
}

async function installGuestFiles(rootfs: string): Promise<void> {
  for (const [source, path, mode] of guestFiles()) {
    const target = join(rootfs, path);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(source, target);
    await chmod(target, mode);
  }
  for (const unit of ENABLED_UNITS) {
    const link = join(rootfs, 'etc/systemd/system/multi-user.target.wants', unit);
    await rm(link, { force: true });
    await symlink(`/etc/systemd/system/${unit}`, link);
  }
  const version = join(rootfs, KUBEADM_PACKAGE_VERSION_FILE);
  await mkdir(dirname(version), { recursive: true });
  await writeFile(version, `v${E2E_KUBERNETES_VERSION}\n`);
  // Empty, so the first boot is systemd's first boot and every boot of a copy gets its own id.
  await writeFile(join(rootfs, 'etc/machine-id'), '');
}

async function buildImage(dir: string, base: string, agent: string): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(dir, { recursive: true });
  await exec('cp', ['-a', '--reflink=auto', join(base, 'rootfs'), rootfs], { timeoutMs: 10 * 60_000 });
  await exec(
    process.execPath,
    ['--import', TSX, join(REPO, 'generator/main.ts'), 'agent', 'install', '--root', rootfs, '--binary', agent],
    { timeoutMs: 60_000 },
  );
  await installGuestFiles(rootfs);
}

export interface E2eImage {
  /** The image's root filesystem: boot copies of it, or with --volatile=overlay. */
  rootfs: string;
  /** Identifies the image's inputs; derived images (the qemu disk) are keyed by it. */
  key: string;
}

let image: Promise<E2eImage> | undefined;

async function buildAll(): Promise<E2eImage> {
  const agent = await agentBinaryPath('amd64');
  const base = await cached('base', await baseKey(), buildBase);
  const hash = new InputHash().text('base', base);
  await hash.file(import.meta.filename);
  await hash.binary(agent);
  hash.text('kubeadm package', E2E_KUBERNETES_VERSION);
  for (const [source, path, mode] of guestFiles()) (await hash.file(source)).text(path, mode.toString(8));
  for (const input of INSTALL_INPUTS) await hash.file(join(REPO, input));
  const key = hash.hex;
  const dir = await cached('image', key, (target) => buildImage(target, base, agent));
  return { rootfs: join(dir, 'rootfs'), key };
}

/** Built once per process, or taken from .cache/e2e when its inputs are unchanged. */
export function e2eImage(): Promise<E2eImage> {
  image ??= buildAll();
  return image;
}
