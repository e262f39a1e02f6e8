// An e2e image as a qemu machine: an ext4 disk image made from the root filesystem
// (mkfs.ext4 -d, no loop mount), and the image's own kernel and small initrd to boot it
// directly. Cached beside the image it was made from.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cached } from './cache.ts';
import { exec } from './exec.ts';
import { type E2eImage, e2eImage } from './rootfs.ts';

/** Room for what the boot writes (containerd, logs); -snapshot keeps those writes out of the file. */
const DISK_SIZE = '3G';

export interface E2eDisk {
  disk: string;
  kernel: string;
  initrd: string;
}

const disks = new Map<string, Promise<E2eDisk>>();

async function build(dir: string, rootfs: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const boot = join(rootfs, 'boot');
  const files = await readdir(boot);
  const kernel = files.find((name) => name.startsWith('vmlinuz-'));
  const initrd = files.find((name) => name.startsWith('initrd.img-'));
  if (!kernel || !initrd)
    throw new Error(`${boot} has no vmlinuz-* and initrd.img-*: is linux-image-amd64 in the package list?`);
  await copyFile(join(boot, kernel), join(dir, 'vmlinuz'));
  await copyFile(join(boot, initrd), join(dir, 'initrd.img'));
  await exec('mkfs.ext4', ['-q', '-F', '-L', 'kubeseed-e2e', '-d', rootfs, join(dir, 'disk.img'), DISK_SIZE], {
    timeoutMs: 10 * 60_000,
  });
}

async function buildFor(image: E2eImage, kind: string): Promise<E2eDisk> {
  const dir = await cached(kind, image.key, (target) => build(target, image.rootfs));
  return { disk: join(dir, 'disk.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img') };
}

/** `image` as a qemu disk, cached under .cache/e2e/KIND-<image key>: built once per process, or reused. */
export function diskFor(image: () => Promise<E2eImage>, kind: string): Promise<E2eDisk> {
  let disk = disks.get(kind);
  if (!disk) {
    disk = image().then((built) => buildFor(built, kind));
    disks.set(kind, disk);
  }
  return disk;
}

/** The e2e image's disk. */
export function e2eDisk(): Promise<E2eDisk> {
  return diskFor(e2eImage, 'disk');
}
