// InitConfiguration for the one node that runs `kubeadm init`. The bootstrap token is chosen
// by the generator, so every join configuration can be rendered before any machine boots.
import { goDuration } from '../../core/duration.ts';
import type { ClusterSpec, NodeSpec } from '../spec/types.ts';
import { KUBEADM_API_VERSION } from './api-versions.ts';
import { localAPIEndpoint } from './local-api-endpoint.ts';
import { nodeRegistration } from './node-registration.ts';

/** The group kubeadm's RBAC lets post CSRs that are approved automatically. */
const NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

export function initConfiguration(spec: ClusterSpec, node: NodeSpec, token: string): Record<string, unknown> {
  return {
    apiVersion: KUBEADM_API_VERSION,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token,
        description: `kubeseed: lets the nodes of cluster ${spec.name} join`,
        // "0s" is kubeadm's "never expires".
        ttl: goDuration(spec.tokens.ttlSeconds),
        usages: ['signing', 'authentication'],
        groups: [NODE_TOKEN_GROUP],
      },
    ],
    nodeRegistration: nodeRegistration(spec, node),
    ...(node.address === undefined ? {} : { localAPIEndpoint: localAPIEndpoint(node.address) }),
  };
}
