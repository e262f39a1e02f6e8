// The e2e image as a qemu machine: an ext4 disk image made from the root filesystem
// (mkfs.ext4 -d, no loop mount), and the image's own kernel and small initrd to boot it
// directly. Cached beside the image it was made from.
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cached } from './cache.ts';
import { exec } from './exec.ts';
import { e2eImage } from './rootfs.ts';

/** Room for what the boot writes (containerd, logs); -snapshot keeps those writes out of the file. */
const DISK_SIZE = '3G';

export interface E2eDisk {
  disk: string;
  kernel: string;
  initrd: string;
}

let disk: Promise<E2eDisk> | undefined;

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

async function buildAll(): Promise<E2eDisk> {
  const { rootfs, key } = await e2eImage();
  const dir = await cached('disk', key, (target) => build(target, rootfs));
  return { disk: join(dir, 'disk.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img') };
}

/** Built once per process, or taken from .cache/e2e when the image is unchanged. */
export function e2eDisk(): Promise<E2eDisk> {
  disk ??= buildAll();
  return disk;
}
