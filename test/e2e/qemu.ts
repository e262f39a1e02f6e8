// Boots the e2e disk image in qemu with a real kernel (TCG: this machine has no KVM), the
// node's NoCloud seed ISO as a second disk and the results directory as a 9p share. The
// disk stays pristine (-snapshot); the VM has no network card at all.
import { join } from 'node:path';
import type { E2eDisk } from './disk.ts';
import { Machine } from './machine.ts';

/**
 * Upper bound for one boot to results (about a minute on a quiet machine, TCG): only a hung
 * machine reaches it, so it is set for a busy 2-core machine running two VMs side by side,
 * where a boot took over ten minutes.
 */
export const QEMU_BOOT_LIMIT_MS = 25 * 60_000;

export interface QemuOptions {
  image: E2eDisk;
  seedIso: string;
  /** Shared as 9p tag `out` (mounted at /out); the serial console log goes there too. */
  out: string;
  /** A control plane needs 2 CPUs and 1700 MiB (kubeadm's limits, checked by preflight). */
  cpus: number;
  memoryMiB: number;
  timeoutMs: number;
  /**
   * A user-mode network with nothing on it but forwards from guest addresses to host ones
   * (`10.0.2.100:80` → `127.0.0.1:8080`); without it the VM has no network card at all.
   */
  forwards?: Array<{ guest: string; host: string }>;
}

export function bootQemu(options: QemuOptions): Machine {
  const args = [
    '-machine',
    'q35',
    '-accel',
    'tcg',
    '-cpu',
    'max',
    '-smp',
    String(options.cpus),
    '-m',
    String(options.memoryMiB),
    '-kernel',
    options.image.kernel,
    '-initrd',
    options.image.initrd,
    '-append',
    // no_timer_check: under TCG on a busy host the kernel's IO-APIC timer check can miss its
    // ticks and panic ("IO-APIC + timer doesn't work!"), as cloud images' kernels avoid too.
    // eth0, not a PCI-path name: the image's network unit names it.
    `root=/dev/vda rw console=ttyS0 panic=-1 no_timer_check${options.forwards ? ' net.ifnames=0' : ''}`,
    '-drive',
    `file=${options.image.disk},if=virtio,format=raw`,
    '-drive',
    `file=${options.seedIso},if=virtio,format=raw,readonly=on`,
    '-snapshot',
    '-virtfs',
    `local,path=${options.out},mount_tag=out,security_model=none,id=out`,
    '-nic',
    options.forwards
      ? // restrict=on: the guest reaches nothing on the host or beyond but the forwards.
        // guestfwd to a tcp: chardev connects once, when qemu starts, and carries a single guest
        // connection; cmd: starts socat for each one (curl's, then the agent's and apt's).
        `user,model=virtio-net-pci,restrict=on,${options.forwards.map((forward) => `guestfwd=tcp:${forward.guest}-cmd:socat - TCP:${forward.host}`).join(',')}`
      : 'none',
    '-display',
    'none',
    '-serial',
    `file:${join(options.out, 'console.log')}`,
    '-no-reboot',
  ];
  return new Machine('qemu-system-x86_64', args, {
    console: join(options.out, 'qemu.log'),
    timeoutMs: options.timeoutMs,
    cutPower: (qemu) => qemu.kill('SIGKILL'),
  });
}
