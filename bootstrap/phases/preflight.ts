// Checks what would make kubeadm fail late or build a broken node, and reports every
// problem at once. Runs on every boot (never "done"): the clock and the installed
// tools can differ after a reboot.
import { KERNEL_ARCHES } from '../../core/arch.ts';
import type { Problem } from '../../core/errors.ts';
import { KubeseedError } from '../../core/errors.ts';
import { waitForSaneClock } from '../clock.ts';
import { mustRun } from '../commands.ts';
import type { Phase, PhaseContext } from '../phase.ts';

const REQUIRED_EXECUTABLES = ['kubeadm', 'kubelet', 'containerd', 'ctr'];
/** kubeadm's own limits (ControlPlaneNumCPU, ControlPlaneMem in MiB): failing here is failing earlier, not stricter. */
const CONTROL_PLANE_CPUS = 2;
const CONTROL_PLANE_MEMORY_MIB = 1700;
const CGROUP_CONTROLLERS = '/sys/fs/cgroup/cgroup.controllers';

function minor(version: string): string | undefined {
  return version.match(/^v?(\d+\.\d+)\./)?.[1];
}

async function checkMachine(ctx: PhaseContext, problems: Problem[]): Promise<void> {
  const { node } = ctx.bundle;
  const facts = await ctx.host.machine();
  const arch = KERNEL_ARCHES[facts.arch];
  if (arch !== node.arch) {
    problems.push({
      path: 'arch',
      message: `this machine is ${facts.arch}, the bundle is for ${node.arch}: use the ${node.arch} image or fix node.arch`,
    });
  }
  if (node.role !== 'worker') {
    if (facts.cpus < CONTROL_PLANE_CPUS) {
      problems.push({
        path: 'cpus',
        message: `a control plane needs at least ${CONTROL_PLANE_CPUS} CPUs; this machine has ${facts.cpus}`,
      });
    }
    const mib = Math.floor(facts.memoryBytes / 1024 / 1024);
    if (mib < CONTROL_PLANE_MEMORY_MIB) {
      problems.push({
        path: 'memory',
        message: `a control plane needs at least ${CONTROL_PLANE_MEMORY_MIB} MiB of memory; this machine has ${mib} MiB`,
      });
    }
  }
}

async function checkExecutables(ctx: PhaseContext, problems: Problem[]): Promise<boolean> {
  const names = [
    ...REQUIRED_EXECUTABLES,
    ...(ctx.bundle.node.role === 'init' ? ['kubectl'] : []),
    // The metadata guard's tables (metadata-guard phase).
    ...(ctx.bundle.node.metadataGuard ? ['nft'] : []),
  ];
  const missing: string[] = [];
  for (const name of names) if ((await ctx.host.findExecutable(name)) === undefined) missing.push(name);
  if (missing.length > 0) {
    problems.push({
      path: 'executables',
      message: `not found on PATH: ${missing.join(', ')}; the machine image must carry them`,
    });
  }
  return !missing.includes('kubeadm');
}

/** kubeadm's skew policy: kubeadm must be of the cluster's minor version. */
async function checkKubeadmVersion(ctx: PhaseContext, problems: Problem[]): Promise<void> {
  const wanted = ctx.bundle.cluster.kubernetesVersion;
  const output = (await mustRun(ctx, ['kubeadm', 'version', '-o', 'short'], { timeoutMs: 60_000 })).stdout.trim();
  const found = minor(output);
  if (found === undefined) {
    problems.push({
      path: 'kubeadm',
      message: `cannot read the version from \`kubeadm version -o short\`: ${JSON.stringify(output)}`,
    });
  } else if (found !== minor(wanted)) {
    problems.push({
      path: 'kubeadm',
      message: `kubeadm ${output} cannot install Kubernetes ${wanted}: the machine image needs kubeadm ${minor(wanted)}.x`,
    });
  }
}

async function checkCgroups(ctx: PhaseContext, problems: Problem[]): Promise<void> {
  const controllers = await ctx.host.readFile(CGROUP_CONTROLLERS);
  if (controllers === undefined) {
    problems.push({
      path: 'cgroups',
      message: `${CGROUP_CONTROLLERS} is missing: the kubelet needs cgroup v2 (boot with systemd.unified_cgroup_hierarchy=1)`,
    });
  } else if (!controllers.split(/\s+/).includes('memory')) {
    problems.push({
      path: 'cgroups',
      message:
        'the memory cgroup controller is off: add `cgroup_enable=memory cgroup_memory=1` to the kernel command line (cmdline.txt on a Raspberry Pi)',
    });
  }
}

async function noteSwap(ctx: PhaseContext): Promise<void> {
  const swaps =
    (await ctx.host.readFile('/proc/swaps'))
      ?.split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '') ?? [];
  if (swaps.length > 0)
    ctx.log.info(`swap is on (${swaps.length} device${swaps.length === 1 ? '' : 's'}); the host phase turns it off`);
}

export const preflight: Phase = {
  name: 'preflight',
  summary: 'check architecture, tools, kubeadm version, resources, cgroups and the clock',
  async run(ctx) {
    const problems: Problem[] = [];
    await checkMachine(ctx, problems);
    if (await checkExecutables(ctx, problems)) await checkKubeadmVersion(ctx, problems);
    await checkCgroups(ctx, problems);
    if (problems.length > 0) {
      throw new KubeseedError(
        'preflight',
        `this machine cannot become node ${ctx.bundle.node.name} (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
        problems,
      );
    }
    await noteSwap(ctx);
    await waitForSaneClock(ctx);
  },
  async isDone() {
    return false;
  },
};
