// The stock machine image of the stock-image boots: Debian bookworm as a cloud image has it —
// systemd, cloud-init, ca-certificates, curl, iproute2, nftables (priority important in Debian,
// as in Ubuntu's images; the metadata guard loads its table with nft), a kernel for the qemu boot, and
// systemd's zram generator making a zram swap (as Fedora's and Raspberry Pi OS's images do) —
// and nothing of kubeseed, containerd or Kubernetes. One package is the test's: nodejs, on which
// the strict stand-in kubeadm's checker runs (the stand-in package depends on it; kubeseed-boot
// is a single executable and runs no Node of the machine's). Debian's own apt sources are removed:
// the machine reaches nothing but the test's HTTP server, whose repository stands for the
// site's mirror. What the test adds is its apparatus only (test/e2e/guest): the cloud-init
// datasource, the results collector, the container and VM plumbing, the API server stand-in.
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cached, InputHash, REPO } from './cache.ts';
import { exec } from './exec.ts';
import type { E2eImage } from './rootfs.ts';

const SUITE = 'bookworm';
const PACKAGES = [
  'systemd-sysv',
  'dbus',
  'cloud-init',
  'ca-certificates',
  'curl',
  'iproute2',
  'nftables',
  'systemd-zram-generator',
  'nodejs',
  'linux-image-amd64',
  'initramfs-tools',
  'udev',
  'kmod',
];
const GUEST = join(REPO, 'test/e2e/guest');
const INITRAMFS_FILES: Array<[source: string, path: string, mode: number]> = [
  [join(GUEST, 'initramfs-tools/conf.d/kubeseed-e2e.conf'), '/etc/initramfs-tools/conf.d/kubeseed-e2e.conf', 0o644],
  [join(GUEST, 'initramfs-tools/hooks/kubeseed-e2e'), '/etc/initramfs-tools/hooks/kubeseed-e2e', 0o755],
];
const GUEST_FILES: Array<[source: string, path: string, mode: number]> = [
  [join(GUEST, 'cloud.cfg'), '/etc/cloud/cloud.cfg.d/99-kubeseed-e2e.cfg', 0o644],
  [join(GUEST, 'collect'), '/usr/lib/kubeseed-e2e/collect', 0o755],
  [join(GUEST, 'apiserver'), '/usr/lib/kubeseed-e2e/apiserver', 0o755],
  [join(GUEST, 'container-kernel'), '/usr/lib/kubeseed-e2e/container-kernel', 0o755],
  [join(GUEST, 'modprobe'), '/usr/lib/kubeseed-e2e/modprobe', 0o755],
  [join(GUEST, 'test-network'), '/usr/lib/kubeseed-e2e/test-network', 0o755],
  [join(GUEST, 'kubeseed-e2e-collect.service'), '/etc/systemd/system/kubeseed-e2e-collect.service', 0o644],
  [join(GUEST, 'kubeseed-e2e-apiserver.service'), '/etc/systemd/system/kubeseed-e2e-apiserver.service', 0o644],
  [
    join(GUEST, 'kubeseed-e2e-container-kernel.service'),
    '/etc/systemd/system/kubeseed-e2e-container-kernel.service',
    0o644,
  ],
  [join(GUEST, 'kubeseed-e2e-test-network.service'), '/etc/systemd/system/kubeseed-e2e-test-network.service', 0o644],
  [join(GUEST, 'out.mount'), '/etc/systemd/system/out.mount', 0o644],
];
const ENABLED_UNITS: Array<[unit: string, target: string]> = [
  ['kubeseed-e2e-collect.service', 'multi-user.target'],
  ['kubeseed-e2e-apiserver.service', 'multi-user.target'],
  ['kubeseed-e2e-container-kernel.service', 'multi-user.target'],
  ['kubeseed-e2e-test-network.service', 'network-online.target'],
];
const MMDEBSTRAP_TIMEOUT_MS = 20 * 60_000;

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

async function buildBase(dir: string): Promise<void> {
  console.log(`  building the stock Debian root filesystem with mmdebstrap (${SUITE}; one to two minutes)`);
  const hooks = INITRAMFS_FILES.map(
    ([source, path, mode]) =>
      `--essential-hook=install -D -m ${mode.toString(8)} ${shellQuote(source)} "$1"${shellQuote(path)}`,
  );
  await mkdir(dir, { recursive: true });
  await exec(
    'mmdebstrap',
    ['--variant=minbase', `--include=${PACKAGES.join(',')}`, ...hooks, SUITE, join(dir, 'rootfs')],
    { timeoutMs: MMDEBSTRAP_TIMEOUT_MS },
  );
}

async function buildImage(dir: string, base: string): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(dir, { recursive: true });
  await exec('cp', ['-a', '--reflink=auto', join(base, 'rootfs'), rootfs], { timeoutMs: 10 * 60_000 });
  for (const [source, path, mode] of GUEST_FILES) {
    const target = join(rootfs, path);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(source, target);
    await chmod(target, mode);
  }
  for (const [unit, target] of ENABLED_UNITS) {
    const link = join(rootfs, `etc/systemd/system/${target}.wants`, unit);
    await mkdir(dirname(link), { recursive: true });
    await rm(link, { force: true });
    await symlink(`/etc/systemd/system/${unit}`, link);
  }
  // The site's mirror is all this machine reaches.
  await rm(join(rootfs, 'etc/apt/sources.list'), { force: true });
  await rm(join(rootfs, 'etc/apt/sources.list.d/debian.sources'), { force: true });
  // Empty, so the first boot is systemd's first boot and every boot of a copy gets its own id.
  await writeFile(join(rootfs, 'etc/machine-id'), '');
}

let image: Promise<E2eImage> | undefined;

async function buildAll(): Promise<E2eImage> {
  const baseHash = new InputHash().text('suite', SUITE).text('packages', PACKAGES.join(','));
  for (const [source, path, mode] of INITRAMFS_FILES) (await baseHash.file(source)).text(path, mode.toString(8));
  const base = await cached('stock-base', baseHash.hex, buildBase);
  const hash = new InputHash().text('base', base);
  await hash.file(import.meta.filename);
  for (const [source, path, mode] of GUEST_FILES) (await hash.file(source)).text(path, mode.toString(8));
  const key = hash.hex;
  const dir = await cached('stock-image', key, (target) => buildImage(target, base));
  return { rootfs: join(dir, 'rootfs'), key };
}

/** Built once per process, or taken from .cache/e2e when its inputs are unchanged. */
export function stockImage(): Promise<E2eImage> {
  image ??= buildAll();
  return image;
}
