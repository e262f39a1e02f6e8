// Swap off for good: `swapoff -a` lasts one boot, and stock images bring swap back from more
// places than fstab. systemd's zram generator (Fedora, Ubuntu on some images) makes a zram swap
// from its configuration: an empty /etc/systemd/zram-generator.conf makes none
// (zram-generator.conf(5)). Raspberry Pi OS (trixie) sets up zram and a swap file through
// rpi-swap: `Mechanism=none` in a drop-in turns every mechanism off and removes the swap file
// (swap.conf(5), example 2). Raspberry Pi OS bookworm's dphys-swapfile service is disabled.

import { mustRun } from './commands.ts';
import { OWNED_HEADER } from './paths.ts';
import type { PhaseContext } from './phase.ts';

export const ZRAM_GENERATOR = '/usr/lib/systemd/system-generators/zram-generator';
export const ZRAM_CONFIG_PATH = '/etc/systemd/zram-generator.conf';
export const RPI_SWAP_CONFIG = '/etc/rpi/swap.conf';
export const RPI_SWAP_DROP_IN = '/etc/rpi/swap.conf.d/90-kubeseed.conf';
const DPHYS_SWAPFILE_UNITS = [
  '/lib/systemd/system/dphys-swapfile.service',
  '/usr/lib/systemd/system/dphys-swapfile.service',
];

const ZRAM_CONFIG = `${OWNED_HEADER}\n# No [zram*] section: the zram generator sets up no swap device (the kubelet needs swap off).\n`;
const RPI_SWAP = `${OWNED_HEADER}\n[Main]\nMechanism=none\n`;

interface SwapFile {
  path: string;
  content: string;
}

/** The configuration files this machine needs so that no swap comes back at the next boot. */
async function swapFiles(ctx: PhaseContext): Promise<SwapFile[]> {
  const files: SwapFile[] = [];
  if ((await ctx.host.stat(ZRAM_GENERATOR)) !== undefined) files.push({ path: ZRAM_CONFIG_PATH, content: ZRAM_CONFIG });
  if ((await ctx.host.stat(RPI_SWAP_CONFIG)) !== undefined) files.push({ path: RPI_SWAP_DROP_IN, content: RPI_SWAP });
  return files;
}

async function dphysSwapfile(ctx: PhaseContext): Promise<boolean> {
  for (const unit of DPHYS_SWAPFILE_UNITS) if ((await ctx.host.stat(unit)) !== undefined) return true;
  return false;
}

export async function keepSwapOff(ctx: PhaseContext): Promise<void> {
  for (const file of await swapFiles(ctx)) {
    await ctx.host.writeFile(file.path, file.content, 0o644);
    ctx.log.info(`wrote ${file.path}: no swap at the next boot`);
  }
  if (await dphysSwapfile(ctx))
    await mustRun(ctx, ['systemctl', 'disable', 'dphys-swapfile.service'], { timeoutMs: 60_000 });
}

export async function swapStaysOff(ctx: PhaseContext): Promise<boolean> {
  for (const file of await swapFiles(ctx)) if ((await ctx.host.readFile(file.path)) !== file.content) return false;
  return true;
}
