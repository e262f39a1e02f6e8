// For tests and benchmarks: a built kubeseed-boot, reusing dist/ when its inputs are
// unchanged (a full build takes tens of seconds; checking takes well under one).
import { type AgentBuild, buildAgent } from './build.ts';
import { type AgentArch, hostArch } from './targets.ts';

let pending: Promise<AgentBuild> | undefined;

/** Builds once per process, or reuses dist/ when it is up to date. */
export function ensureAgentBuild(): Promise<AgentBuild> {
  pending ??= buildAgent({ reuse: true });
  return pending;
}

/** Path of a built kubeseed-boot for `arch` (default: this host's; others run under qemu, see targets.ts). */
export async function agentBinaryPath(arch: AgentArch = hostArch()): Promise<string> {
  return (await ensureAgentBuild()).binaries[arch];
}
