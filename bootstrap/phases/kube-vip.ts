// Control planes of a cluster whose endpoint is a kube-vip address: kube-vip's static pod
// and the hosts file it mounts go in place before kubeadm runs. The kubelet kubeadm starts
// then runs kube-vip beside the API server; on the init node that is what brings the
// address up for `kubeadm init` itself and for everyone waiting to join. `kubeadm reset`
// empties /etc/kubernetes/manifests, so the kubeadm phase writes both again before every
// try (placeKubeVip); kubeadm's own preflight does not mind a manifest it does not own.

import { KubeseedError } from '../../core/errors.ts';
import { KUBE_VIP_HOSTS, KUBE_VIP_HOSTS_PATH, KUBE_VIP_MANIFEST_PATH } from '../../core/kube-vip-files.ts';
import type { Phase, PhaseContext } from '../phase.ts';

const NETWORK_INTERFACES = '/sys/class/net';

export function hasKubeVip(ctx: PhaseContext): boolean {
  return ctx.bundle.kubeVip !== undefined;
}

/** The files kube-vip needs, written again whatever is there. */
export async function placeKubeVip(ctx: PhaseContext): Promise<void> {
  const kubeVip = ctx.bundle.kubeVip;
  if (kubeVip === undefined) return;
  await ctx.host.writeFile(KUBE_VIP_HOSTS_PATH, KUBE_VIP_HOSTS, 0o644);
  // 0600 like kubeadm's own manifests.
  await ctx.host.writeFile(KUBE_VIP_MANIFEST_PATH, kubeVip.manifest, 0o600);
}

/** A named interface this machine lacks would leave the address unheld for good: stop here. */
async function checkInterface(ctx: PhaseContext): Promise<void> {
  const { address, interface: name } = ctx.bundle.kubeVip!;
  if (name === undefined) {
    ctx.log.info(`kube-vip will hold ${address} on the interface of this node's default route`);
    return;
  }
  if ((await ctx.host.stat(`${NETWORK_INTERFACES}/${name}`)) !== undefined) return;
  const present = ((await ctx.host.list(NETWORK_INTERFACES)) ?? []).sort();
  throw new KubeseedError(
    'preflight',
    `kube-vip is to hold ${address} on interface ${name}, which this machine does not have (it has: ${present.join(', ') || 'none'}); set controlPlaneEndpoint.interface (or this node's network.interface) to the interface on the address's network and generate again`,
  );
}

async function inPlace(ctx: PhaseContext): Promise<boolean> {
  return (
    (await ctx.host.readFile(KUBE_VIP_MANIFEST_PATH)) === ctx.bundle.kubeVip!.manifest &&
    (await ctx.host.readFile(KUBE_VIP_HOSTS_PATH)) === KUBE_VIP_HOSTS
  );
}

export const kubeVip: Phase = {
  name: 'kube-vip',
  summary: "place kube-vip's static pod, which holds the control-plane address",
  runIf: hasKubeVip,
  async run(ctx) {
    await checkInterface(ctx);
    await placeKubeVip(ctx);
    ctx.log.info(`wrote ${KUBE_VIP_MANIFEST_PATH} and ${KUBE_VIP_HOSTS_PATH}`);
  },
  isDone: inPlace,
};
