// What the e2e boots need besides root: the tools that build and boot the test machines.
import type { Tool } from '../helpers/tools.ts';

export { IGNITION } from '../helpers/tools.ts';

export const NSPAWN_TOOLS: Tool[] = ['mmdebstrap', 'systemd-nspawn', 'openssl'];
export const QEMU_TOOLS: Tool[] = ['mmdebstrap', 'qemu-system-x86_64', 'mkfs.ext4'];
/** The stock-image boots also build a signed apt repository and fetch Debian's containerd. */
export const STOCK_TOOLS: Tool[] = ['apt-ftparchive', 'gpg', 'dpkg-deb', 'curl', 'ip', 'socat'];
