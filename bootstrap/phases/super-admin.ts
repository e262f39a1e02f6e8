// super-admin.conf, which `kubeadm init` leaves on the init node, is in system:masters: it
// bypasses RBAC and no binding can take its rights away, so the kubeadm guide says not to
// share it. Once init is done only kube-vip may still use it. With kube-vip on this node it
// stays, root only, for as long as kube-vip runs: kubeseed never points kube-vip back at
// admin.conf, because that restarts kube-vip and drops the control-plane address while
// other control planes may be joining (Cluster API's vSphere provider removed its
// switch-back for the API outages it caused, PR #2583). Without kube-vip nothing needs it,
// and it moves out of /etc/kubernetes to a directory only root can enter. Either way
// `status` says where it is and why.
import { KubeseedError } from '../../core/errors.ts';
import { BREAK_GLASS_DIR, MOVED_SUPER_ADMIN_KUBECONFIG, SUPER_ADMIN_KUBECONFIG } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';
import { hasKubeVip } from './kube-vip.ts';

const SUBJECT = 'super-admin.conf';
const ROOT_ONLY = 0o600;

const KEPT = `stays at ${SUPER_ADMIN_KUBECONFIG}, root only (0600): kube-vip on this node authenticates with it, since admin.conf had no rights yet when kube-vip had to bring the control-plane address up for kubeadm init. It bypasses RBAC (system:masters): keep it off other machines.`;
const MOVED = `moved to ${MOVED_SUPER_ADMIN_KUBECONFIG} (0600, directory 0700): nothing on this node uses it. It bypasses RBAC (system:masters): keep it for repairing admin.conf's rights, off other machines.`;

async function keepForKubeVip(ctx: PhaseContext): Promise<void> {
  const info = await ctx.host.stat(SUPER_ADMIN_KUBECONFIG);
  if (info === undefined) {
    throw new KubeseedError(
      'command-failed',
      `kube-vip on this node authenticates with ${SUPER_ADMIN_KUBECONFIG}, which kubeadm init did not leave; write it again with \`kubeadm init phase kubeconfig super-admin --config /etc/kubeseed/kubeadm.yaml\``,
    );
  }
  if (info.mode !== ROOT_ONLY) {
    await ctx.host.writeFile(SUPER_ADMIN_KUBECONFIG, (await ctx.host.readFile(SUPER_ADMIN_KUBECONFIG))!, ROOT_ONLY);
    ctx.log.info(`${SUPER_ADMIN_KUBECONFIG} was mode ${info.mode.toString(8)}; now 0600`);
  }
  await ctx.note(SUBJECT, KEPT);
}

async function moveAway(ctx: PhaseContext): Promise<void> {
  const content = await ctx.host.readFile(SUPER_ADMIN_KUBECONFIG);
  if (content !== undefined) {
    await ctx.host.makeDirectory(BREAK_GLASS_DIR, 0o700);
    await ctx.host.writeFile(MOVED_SUPER_ADMIN_KUBECONFIG, content, ROOT_ONLY);
    await ctx.host.remove(SUPER_ADMIN_KUBECONFIG);
    ctx.log.info(`moved ${SUPER_ADMIN_KUBECONFIG} to ${MOVED_SUPER_ADMIN_KUBECONFIG}`);
  }
  if ((await ctx.host.stat(MOVED_SUPER_ADMIN_KUBECONFIG)) === undefined) {
    await ctx.note(SUBJECT, 'kubeadm init left none on this node');
    return;
  }
  await ctx.note(SUBJECT, MOVED);
}

async function inPlace(ctx: PhaseContext): Promise<boolean> {
  if (hasKubeVip(ctx)) return (await ctx.host.stat(SUPER_ADMIN_KUBECONFIG))?.mode === ROOT_ONLY;
  return (await ctx.host.stat(SUPER_ADMIN_KUBECONFIG)) === undefined;
}

export const superAdmin: Phase = {
  name: 'super-admin',
  summary: 'keep super-admin.conf root only: for kube-vip where it runs, else out of /etc/kubernetes',
  runIf: (ctx) => ctx.bundle.node.role === 'init',
  async run(ctx) {
    if (hasKubeVip(ctx)) await keepForKubeVip(ctx);
    else await moveAway(ctx);
  },
  isDone: inPlace,
};
