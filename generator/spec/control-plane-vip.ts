// The rules for a controlPlaneEndpoint kubeseed manages (`{vip: ADDRESS, interface: NAME}`):
// kube-vip announces the address by ARP (NDP for IPv6) from whichever control plane leads,
// so it must be a free address on the control planes' own network, and each of them must
// put it on the interface that network is on.
import { type Cidr, contains, parseAddress } from '../../core/cidr.ts';

type Path = readonly (string | number)[];
export type Report = (path: Path, message: string) => void;

export interface VipNode {
  name: string;
  role: 'control-plane' | 'worker';
  address?: string;
  network?: { prefixLength: number; interface?: string };
}

export interface VipInput {
  vip: { vip: string; interface?: string };
  nodes: readonly VipNode[];
  pods: readonly Cidr[];
  services: readonly Cidr[];
}

const AT_ADDRESS = ['controlPlaneEndpoint', 'vip'];
const AT_INTERFACE = ['controlPlaneEndpoint', 'interface'];

/** The network a node's address is on, e.g. 192.168.50.10/24. */
function networkOf(address: string, prefixLength: number): Cidr | undefined {
  const parsed = parseAddress(address);
  const width = parsed?.family === 6 ? 128 : 32;
  if (parsed === undefined || prefixLength > width) return undefined;
  const hostBits = BigInt(width - prefixLength);
  return {
    text: `${address}/${prefixLength}`,
    family: parsed.family,
    prefix: prefixLength,
    base: (parsed.value >> hostBits) << hostBits,
  };
}

function checkAddress({ vip, nodes, pods, services }: VipInput, report: Report): void {
  nodes.forEach((node, index) => {
    if (node.address === vip.vip) {
      report(
        AT_ADDRESS,
        `${vip.vip} is the address of nodes[${index}] (${node.name}); the VIP must be a free address that moves between the control planes`,
      );
    }
  });
  for (const [kind, blocks] of [
    ['pod', pods],
    ['service', services],
  ] as const) {
    for (const block of blocks) {
      if (contains(block, vip.vip))
        report(
          AT_ADDRESS,
          `${vip.vip} lies inside the ${kind} subnet ${block.text}; pick a free address on the control planes' network`,
        );
    }
  }
  nodes.forEach((node, index) => {
    if (node.role !== 'control-plane' || node.address === undefined || node.network === undefined) return;
    const network = networkOf(node.address, node.network.prefixLength);
    if (network === undefined) return;
    if (!contains(network, vip.vip)) {
      report(
        AT_ADDRESS,
        `${vip.vip} is outside ${node.name}'s network ${network.text} (nodes[${index}].network.prefixLength): kube-vip announces it by ARP, which reaches only the control planes' own network`,
      );
      return;
    }
    // IPv4 only: IPv6 has no broadcast address, and /31 and /32 have no network address either.
    if (network.family !== 4 || network.prefix >= 31) return;
    const last = network.base + (1n << BigInt(32 - network.prefix)) - 1n;
    const value = parseAddress(vip.vip)!.value;
    if (value === network.base || value === last)
      report(AT_ADDRESS, `${vip.vip} is the network or broadcast address of ${network.text}; no host can hold it`);
  });
}

/**
 * A named interface must be the one each control plane's own address is on, where a node
 * names it; without a name kube-vip takes each node's default-route interface, which
 * validate states, naming the nodes that relies on.
 */
function checkInterface({ vip, nodes }: VipInput, report: Report, warn: Report): void {
  const controlPlanes = nodes
    .map((node, index) => ({ node, index }))
    .filter(({ node }) => node.role === 'control-plane');
  if (vip.interface !== undefined) {
    for (const { node, index } of controlPlanes) {
      const own = node.network?.interface;
      if (own !== undefined && own !== vip.interface) {
        report(
          AT_INTERFACE,
          `is ${vip.interface}, but ${node.name} has its address on ${own} (nodes[${index}].network.interface): every control plane must hold the VIP on the interface of the VIP's network; use that one name, or leave interface out to use each node's network.interface`,
        );
      }
    }
    return;
  }
  const detected = controlPlanes
    .filter(({ node }) => node.network?.interface === undefined)
    .map(({ node }) => node.name);
  if (detected.length > 0) {
    warn(
      AT_INTERFACE,
      `is not set: kube-vip on ${detected.join(', ')} holds ${vip.vip} on the interface of the node's default route (IPv4, else IPv6); set interface if the VIP's network is on another interface`,
    );
  }
}

export function checkControlPlaneVip(input: VipInput, report: Report, warn: Report): void {
  checkAddress(input, report);
  checkInterface(input, report, warn);
}

/**
 * The seed's warning: one control plane reached at its own address cannot become a highly
 * available cluster later. A VIP costs nothing now and makes adding control planes possible.
 */
export function recommendVip(nodes: readonly VipNode[], endpointGiven: boolean): string | undefined {
  const controlPlanes = nodes.filter((node) => node.role === 'control-plane');
  if (endpointGiven || controlPlanes.length !== 1) return undefined;
  const only = controlPlanes[0]!;
  return `is not set, so the API is at ${only.name}'s own address and kubeadm cannot add control planes to this cluster later; set controlPlaneEndpoint: {vip: <a free address on ${only.name}'s network>} and kubeseed runs kube-vip to hold it, so the cluster can grow to three control planes`;
}
