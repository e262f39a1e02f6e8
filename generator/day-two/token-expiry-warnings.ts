// `generate` warns about nodes that can no longer join: their bootstrap token has expired
// and the cluster has no Node of their name yet. Only the API knows when kubeadm init
// started the initial token's clock, and which nodes joined; it is asked only when a
// token may have expired, with a short timeout, and a failure to ask is itself a warning.

import { readToken } from '../cluster-api/bootstrap-tokens.ts';
import type { ClusterApi } from '../cluster-api/client.ts';
import { listNodes } from '../cluster-api/nodes.ts';
import type { ClusterSpec } from '../spec/types.ts';
import type { NodeTokenRecord } from '../state/node-tokens.ts';
import type { ClusterState } from '../state/store.ts';

export async function expiredTokenWarnings(opts: {
  spec: ClusterSpec;
  state: ClusterState;
  record: NodeTokenRecord;
  now: Date;
  connect: () => Promise<ClusterApi>;
}): Promise<string[]> {
  const { spec, state, record, now } = opts;
  const ttl = spec.tokens.ttlSeconds;
  const initialMayHaveExpired = ttl > 0 && now.getTime() >= Date.parse(state.createdAt) + ttl * 1000;
  const initialHolders = spec.nodes
    .filter((node) => node.bootstrap !== 'init' && record.nodes[node.name]?.kind === 'initial')
    .map((node) => node.name);
  const ownExpired = spec.nodes
    .map((node) => ({ name: node.name, entry: record.nodes[node.name] }))
    .filter(
      ({ entry }) => entry?.kind === 'own' && entry.expires !== undefined && Date.parse(entry.expires) <= now.getTime(),
    )
    .map(({ name }) => name);
  if (ownExpired.length === 0 && !(initialMayHaveExpired && initialHolders.length > 0)) return [];

  let joined: Set<string>;
  let initialExpired = false;
  try {
    const api = await opts.connect();
    joined = new Set((await listNodes(api)).map((node) => node.name));
    if (initialMayHaveExpired && initialHolders.some((name) => !joined.has(name))) {
      const initial = await readToken(api, state.token.id);
      initialExpired = !initial || (initial.expires !== undefined && initial.expires.getTime() <= now.getTime());
    }
  } catch (error) {
    return [
      `could not ask the cluster which nodes have joined (${(error as Error).message.split(';')[0]}); nodes that have not joined may hold an expired bootstrap token`,
    ];
  }
  const stranded = [...(initialExpired ? initialHolders : []), ...ownExpired].filter((name) => !joined.has(name));
  if (stranded.length === 0) return [];
  return [
    `the bootstrap token of ${stranded.join(', ')} has expired and ${stranded.length === 1 ? 'it has' : 'they have'} not joined the cluster; give ${stranded.length === 1 ? 'it' : 'them'} a fresh one: run \`kubeseed generate\` again with ${stranded.map((name) => `--fresh-token ${name}`).join(' ')}`,
  ];
}
