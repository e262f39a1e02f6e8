// What each pod network add-on needs from the cluster's pod subnets. Pod CIDRs are cut
// per node by kube-controller-manager (--node-cidr-mask-size: /24 for IPv4, /64 for IPv6
// by default, at most 16 bits between cluster and node masks); flannel's kube subnet
// manager then uses each node's podCIDR.

import { blocksOf, type Cidr, type Family } from '../../core/cidr.ts';
import { podNetworks } from '../../templates/index.ts';

export const NODE_MASK: Record<Family, number> = { 4: 24, 6: 64 };
const MAX_MASK_DIFFERENCE = 16;

export interface PodNetwork {
  name: string;
  /** Families the add-on's template can carry; the first pod subnet must be one of them. */
  families: readonly Family[];
}

export const POD_NETWORKS: readonly PodNetwork[] = Object.entries(podNetworks).map(([name, entry]) => ({
  name,
  families: entry.ipFamilies.map((family) => (family === 'IPv4' ? 4 : 6)),
}));

/** Problems with pod subnets for a cluster of `nodeCount` nodes, as messages. */
export function podSubnetProblems(network: PodNetwork, subnets: readonly Cidr[], nodeCount: number): string[] {
  const problems: string[] = [];
  for (const subnet of subnets) {
    const nodeMask = NODE_MASK[subnet.family];
    if (subnet.prefix > nodeMask) {
      problems.push(
        `${subnet.text} is smaller than one node's pod range (/${nodeMask}); use a /${nodeMask - 8} or larger`,
      );
    } else if (nodeMask - subnet.prefix > MAX_MASK_DIFFERENCE) {
      problems.push(
        `${subnet.text} is too large: kube-controller-manager allows at most ${MAX_MASK_DIFFERENCE} bits between it and the per-node /${nodeMask}; use /${nodeMask - MAX_MASK_DIFFERENCE} or smaller`,
      );
    } else if (blocksOf(subnet, nodeMask) < nodeCount) {
      problems.push(
        `${subnet.text} holds ${blocksOf(subnet, nodeMask)} per-node /${nodeMask} ranges but the cluster has ${nodeCount} nodes; use a larger block`,
      );
    }
  }
  const first = subnets[0];
  if (first && !network.families.includes(first.family)) {
    problems.push(
      `${network.name} needs an IPv${network.families.join(' or IPv')} pod subnet first; got ${first.text}`,
    );
  }
  if (subnets.some((subnet) => !network.families.includes(subnet.family))) {
    if (first && network.families.includes(first.family)) {
      problems.push(
        `${network.name}'s template carries IPv${network.families.join('/IPv')} only; remove the other pod subnet`,
      );
    }
  }
  return problems;
}
