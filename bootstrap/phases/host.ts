// The kernel settings kubeadm and pod networks rely on, made persistent so they survive
// a reboot: modules, forwarding sysctls, swap off (for good: swap.ts), the hostname equal to the node name.
import { KubeseedError } from '../../core/errors.ts';
import { describeFailure, mustRun, runCommand } from '../commands.ts';
import { commentOutSwap, hasActiveSwap } from '../fstab.ts';
import { usesIpv6 } from '../ip-families.ts';
import { FSTAB_PATH, HOSTNAME_PATH, MODULES_LOAD_PATH, OWNED_HEADER, SYSCTL_PATH } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';
import { keepSwapOff, swapStaysOff } from '../swap.ts';

const MODULES = ['overlay', 'br_netfilter'];

function sysctls(ctx: PhaseContext): string[] {
  const keys = ['net.ipv4.ip_forward', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'];
  if (usesIpv6(ctx.bundle)) keys.push('net.ipv6.conf.all.forwarding', 'net.ipv6.conf.default.forwarding');
  return keys;
}

function modulesFile(): string {
  return `${OWNED_HEADER}\n${MODULES.join('\n')}\n`;
}

function sysctlFile(ctx: PhaseContext): string {
  return `${OWNED_HEADER}\n${sysctls(ctx)
    .map((key) => `${key} = 1`)
    .join('\n')}\n`;
}

/** A container (or a kernel with the module built in) cannot modprobe; a module already present is enough. */
async function loadModule(ctx: PhaseContext, name: string): Promise<void> {
  const argv = ['modprobe', name];
  const result = await runCommand(ctx, argv, { timeoutMs: 60_000 });
  if (result.code === 0) return;
  if ((await ctx.host.stat(`/sys/module/${name}`)) === undefined)
    throw new KubeseedError('command-failed', describeFailure(argv, result));
  ctx.log.warn(`${describeFailure(argv, result)}; the module is loaded already, continuing`);
}

/** `sysctl --system` fails on any unwritable key (read-only /proc/sys in a container); what matters is the values in effect. */
async function applySysctls(ctx: PhaseContext): Promise<void> {
  const argv = ['sysctl', '--system'];
  const result = await runCommand(ctx, argv, { timeoutMs: 60_000 });
  if (result.code === 0) return;
  const wrong: string[] = [];
  for (const key of sysctls(ctx)) {
    const value = await ctx.host.readFile(`/proc/sys/${key.replaceAll('.', '/')}`);
    if (value?.trim() !== '1') wrong.push(key);
  }
  if (wrong.length > 0)
    throw new KubeseedError('command-failed', `${describeFailure(argv, result)}; not in effect: ${wrong.join(', ')}`);
  ctx.log.warn(`${describeFailure(argv, result)}; the settings kubeseed needs are in effect, continuing`);
}

async function disableSwap(ctx: PhaseContext): Promise<void> {
  await mustRun(ctx, ['swapoff', '-a'], { timeoutMs: 300_000 });
  const fstab = await ctx.host.readFile(FSTAB_PATH);
  if (fstab === undefined || !hasActiveSwap(fstab)) return;
  const mode = (await ctx.host.stat(FSTAB_PATH))?.mode ?? 0o644;
  await ctx.host.writeFile(FSTAB_PATH, commentOutSwap(fstab), mode);
  ctx.log.info(`commented out the swap lines of ${FSTAB_PATH}`);
}

export const host: Phase = {
  name: 'host',
  summary: 'kernel modules, forwarding sysctls, swap off, hostname',
  async run(ctx) {
    await ctx.host.writeFile(MODULES_LOAD_PATH, modulesFile(), 0o644);
    for (const name of MODULES) await loadModule(ctx, name);
    await ctx.host.writeFile(SYSCTL_PATH, sysctlFile(ctx), 0o644);
    await applySysctls(ctx);
    await disableSwap(ctx);
    await keepSwapOff(ctx);
    const name = ctx.bundle.node.name;
    await ctx.host.writeFile(HOSTNAME_PATH, `${name}\n`, 0o644);
    await mustRun(ctx, ['hostname', name], { timeoutMs: 60_000 });
  },
  async isDone(ctx) {
    const fstab = await ctx.host.readFile(FSTAB_PATH);
    return (
      (await ctx.host.readFile(MODULES_LOAD_PATH)) === modulesFile() &&
      (await ctx.host.readFile(SYSCTL_PATH)) === sysctlFile(ctx) &&
      (await ctx.host.readFile(HOSTNAME_PATH)) === `${ctx.bundle.node.name}\n` &&
      !(fstab !== undefined && hasActiveSwap(fstab)) &&
      (await swapStaysOff(ctx))
    );
  },
};
