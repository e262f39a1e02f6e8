// Whether this machine can run the e2e boots. Only missing tools (or not being root) skip
// them, with the reason printed; CI installs the tools (.ci/run), so there they run.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
/** Debian's Ignition, outside PATH: the initramfs (dracut) runs it. */
export const IGNITION = '/usr/lib/dracut/modules.d/30ignition/ignition';

const PACKAGES: Record<string, string> = {
  mmdebstrap: 'mmdebstrap',
  'systemd-nspawn': 'systemd-container',
  'qemu-system-x86_64': 'qemu-system-x86',
  'mkfs.ext4': 'e2fsprogs',
  openssl: 'openssl',
  [IGNITION]: 'ignition',
};

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A bare name is looked up on PATH; a path is taken as it is. */
function onPath(name: string): boolean {
  if (name.includes('/')) return executable(name);
  return SEARCH_PATH.some((dir) => executable(join(dir, name)));
}

/** Why the boots that need these tools cannot run here, or undefined when they can. */
export function cannotBoot(tools: readonly string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (mmdebstrap, systemd-nspawn)';
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0) return undefined;
  return `${missing.join(', ')} not found (apt-get install ${[...new Set(missing.map((tool) => PACKAGES[tool] ?? tool))].join(' ')})`;
}

export const NSPAWN_TOOLS = ['mmdebstrap', 'systemd-nspawn', 'openssl'];
export const QEMU_TOOLS = ['mmdebstrap', 'qemu-system-x86_64', 'mkfs.ext4'];
