// Node objects, as much of them as kubeseed reads: name, addresses, role, cordon state.
import type { ClusterApi } from './client.ts';

export interface ClusterNode {
  name: string;
  internalIps: string[];
  controlPlane: boolean;
  unschedulable: boolean;
}

const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

export function nodeOf(value: unknown): ClusterNode {
  const node = value as {
    metadata?: { name?: string; labels?: Record<string, string> };
    spec?: { unschedulable?: boolean };
    status?: { addresses?: Array<{ type?: string; address?: string }> };
  };
  return {
    name: node.metadata?.name ?? '',
    internalIps: (node.status?.addresses ?? [])
      .filter((address) => address.type === 'InternalIP' && typeof address.address === 'string')
      .map((address) => address.address!),
    controlPlane: CONTROL_PLANE_LABEL in (node.metadata?.labels ?? {}),
    unschedulable: node.spec?.unschedulable === true,
  };
}

export async function listNodes(api: ClusterApi): Promise<ClusterNode[]> {
  const { body } = await api.call('list Nodes', 'GET', '/api/v1/nodes');
  return ((body as { items?: unknown[] }).items ?? []).map(nodeOf);
}
