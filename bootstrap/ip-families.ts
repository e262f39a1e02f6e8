// IPv6 forwarding is needed only when the cluster uses IPv6, and turning it on has a cost
// (the kernel stops accepting router advertisements), so it is derived from the rendered
// kubeadm config and the node address. The bundle has no explicit IP-family field yet.
import { isIP } from 'node:net';
import { parseAllDocuments } from 'yaml';
import type { NodeBundle } from '../core/node-bundle.ts';
import { isRecord } from '../core/schema.ts';

function hasIpv6(value: unknown): boolean {
  return typeof value === 'string' && value.split(',').some((part) => isIP(part.trim().split('/')[0] ?? '') === 6);
}

/** kubeletExtraArgs is a map in v1beta3 and a list of {name, value} in v1beta4. */
function nodeIps(nodeRegistration: unknown): unknown[] {
  if (!isRecord(nodeRegistration)) return [];
  const args = nodeRegistration.kubeletExtraArgs;
  if (Array.isArray(args))
    return args
      .filter((arg) => isRecord(arg) && arg.name === 'node-ip')
      .map((arg) => (arg as { value?: unknown }).value);
  return isRecord(args) ? [args['node-ip']] : [];
}

export function usesIpv6(bundle: NodeBundle): boolean {
  const candidates: unknown[] = [bundle.node.address];
  for (const document of parseAllDocuments(bundle.kubeadm.config)) {
    if (!('toJS' in document)) continue;
    const value: unknown = document.toJS();
    if (!isRecord(value)) continue;
    if (isRecord(value.networking)) candidates.push(value.networking.podSubnet, value.networking.serviceSubnet);
    if (isRecord(value.localAPIEndpoint)) candidates.push(value.localAPIEndpoint.advertiseAddress);
    candidates.push(...nodeIps(value.nodeRegistration));
  }
  return candidates.some(hasIpv6);
}
