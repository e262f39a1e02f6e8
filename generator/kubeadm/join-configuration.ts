// JoinConfiguration for every node but the first: token discovery pinned to the cluster CA.
import { type ClusterSpec, formatEndpoint, type NodeSpec } from '../spec/types.ts';
import { KUBEADM_API_VERSION } from './api-versions.ts';
import { localAPIEndpoint } from './local-api-endpoint.ts';
import { isControlPlane, nodeRegistration } from './node-registration.ts';

export function joinConfiguration(
  spec: ClusterSpec,
  node: NodeSpec,
  token: string,
  caCertHash: string,
): Record<string, unknown> {
  const join: Record<string, unknown> = {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'JoinConfiguration',
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: formatEndpoint(spec.controlPlaneEndpoint),
        token,
        caCertHashes: [caCertHash],
      },
    },
    nodeRegistration: nodeRegistration(spec, node),
  };
  // No certificateKey: the shared CAs are placed on every control plane beforehand, so
  // nothing is fetched from the two-hour kubeadm-certs Secret. An empty controlPlane still
  // makes this a control-plane join.
  if (isControlPlane(node))
    join.controlPlane = node.address === undefined ? {} : { localAPIEndpoint: localAPIEndpoint(node.address) };
  return join;
}
