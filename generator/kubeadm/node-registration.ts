// nodeRegistration, shared by kubeadm init and join: the node's name, its runtime, its
// taints and the kubelet flags that only this node has (its address and labels).
import type { ClusterSpec, NodeSpec, Taint } from '../spec/types.ts';

/** Set explicitly: kubeadm stops with an error when it finds more than one CRI socket. */
export const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock';

export function isControlPlane(node: NodeSpec): boolean {
  return node.bootstrap !== 'worker';
}

function taintsFor(spec: ClusterSpec, node: NodeSpec): readonly Taint[] | undefined {
  if (node.taints !== undefined) return node.taints;
  // Left out, kubeadm taints every control plane NoSchedule; in a cluster without workers
  // nothing but kubeadm's own pods could then run anywhere.
  const hasWorkers = spec.nodes.some((other) => other.bootstrap === 'worker');
  return isControlPlane(node) && !hasWorkers ? [] : undefined;
}

function kubeletExtraArgs(node: NodeSpec): { name: string; value: string }[] {
  const args: { name: string; value: string }[] = [];
  if (node.address !== undefined) args.push({ name: 'node-ip', value: node.address });
  const labels = Object.keys(node.labels)
    .sort()
    .map((key) => `${key}=${node.labels[key]}`);
  if (labels.length > 0) args.push({ name: 'node-labels', value: labels.join(',') });
  return args;
}

export function nodeRegistration(spec: ClusterSpec, node: NodeSpec): Record<string, unknown> {
  const registration: Record<string, unknown> = { name: node.name, criSocket: CRI_SOCKET };
  const taints = taintsFor(spec, node);
  if (taints !== undefined) {
    registration.taints = taints.map(({ key, value, effect }) =>
      value === undefined ? { key, effect } : { key, value, effect },
    );
  }
  const args = kubeletExtraArgs(node);
  if (args.length > 0) registration.kubeletExtraArgs = args;
  return registration;
}
