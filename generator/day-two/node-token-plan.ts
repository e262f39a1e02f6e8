// Which bootstrap token each node of the spec carries. Nodes already generated keep the
// token they were generated with (their outputs must not change); the first run gives
// every node the initial token; a node added later — or named with --fresh-token, for a
// replaced machine or a token that expired before the node joined — gets a new token of
// its own, which the caller registers in the running cluster before anything is written.
import { KubeseedError } from '../../core/errors.ts';
import { rfc3339 } from '../cluster-api/bootstrap-token-secret.ts';
import type { ClusterSpec } from '../spec/types.ts';
import type { NodeToken, NodeTokenRecord } from '../state/node-tokens.ts';
import { type BootstrapToken, generateBootstrapToken } from '../tokens/bootstrap-token.ts';

export interface AddedNodeToken {
  node: string;
  token: BootstrapToken;
  /** Undefined when tokens.ttl is 0. */
  expires?: Date;
}

export interface NodeTokenPlan {
  record: NodeTokenRecord;
  added: AddedNodeToken[];
}

export function planNodeTokens(
  spec: ClusterSpec,
  previous: NodeTokenRecord | undefined,
  options: { now: Date; freshTokens: readonly string[] },
): NodeTokenPlan {
  const initNode = spec.nodes.find((node) => node.bootstrap === 'init')!.name;
  for (const name of options.freshTokens) {
    if (!spec.nodes.some((node) => node.name === name)) {
      throw new KubeseedError('usage', `--fresh-token ${name}: the spec has no node of that name`);
    }
    if (name === initNode) {
      throw new KubeseedError(
        'usage',
        `--fresh-token ${name}: the init node creates the cluster with the initial token`,
      );
    }
  }
  if (!previous) {
    if (options.freshTokens.length > 0) {
      throw new KubeseedError('usage', '--fresh-token applies to a cluster generated before; this state is new');
    }
    return {
      record: { initNode, nodes: Object.fromEntries(spec.nodes.map((node) => [node.name, { kind: 'initial' }])) },
      added: [],
    };
  }
  if (previous.initNode !== initNode) {
    throw new KubeseedError('invalid-spec', 'the spec would initialise a second cluster', [
      {
        path: 'nodes',
        message: `${initNode} is now the first control plane and would run \`kubeadm init\`, but this cluster was initialised by ${previous.initNode}; keep ${previous.initNode} first among the control planes`,
      },
    ]);
  }
  const added: AddedNodeToken[] = [];
  const nodes: Record<string, NodeToken> = {};
  for (const node of spec.nodes) {
    const kept = previous.nodes[node.name];
    if (kept && !options.freshTokens.includes(node.name)) {
      nodes[node.name] = kept;
      continue;
    }
    const token = generateBootstrapToken();
    const ttl = spec.tokens.ttlSeconds;
    const expires = ttl === 0 ? undefined : new Date(options.now.getTime() + ttl * 1000);
    added.push({ node: node.name, token, ...(expires ? { expires } : {}) });
    nodes[node.name] = { kind: 'own', token, ...(expires ? { expires: rfc3339(expires) } : {}) };
  }
  return { record: { initNode, nodes }, added };
}
