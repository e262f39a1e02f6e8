// `kubeseed remove-node NAME`: what an operator does by hand before retiring a machine,
// in the safe order. Everything that could refuse is checked before anything changes:
// the node exists, it is not the last control plane, and its etcd member is not the last
// one. Then cordon, drain (PDB-respecting, bounded), remove the etcd member, delete the
// Node. On the machine itself, `kubeseed-boot reset` undoes kubeadm.
import { KubeseedError } from '../../core/errors.ts';
import { ClusterApi } from '../cluster-api/client.ts';
import { cordon, type DrainClock, drain } from '../cluster-api/drain.ts';
import { type EtcdMember, listMembers, memberOfNode, removeMember } from '../cluster-api/etcd-members.ts';
import { type ClusterNode, listNodes } from '../cluster-api/nodes.ts';
import { signShortLivedCredential } from '../pki/short-lived-credential.ts';
import type { ClusterState } from '../state/store.ts';

export const ETCD_CLIENT_PORT = 2379;
const ETCD_CREDENTIAL_SECONDS = 3600;

export interface RemoveNodeOptions {
  api: ClusterApi;
  state: ClusterState;
  node: string;
  now: Date;
  clock: DrainClock;
  /** etcd's client port on the other control planes (tests run etcd stand-ins elsewhere). */
  etcdPort?: number;
}

async function etcdClient(state: ClusterState, now: Date, peer: ClusterNode, port: number): Promise<ClusterApi> {
  const credential = await signShortLivedCredential({
    ca: state.pki.etcdCa,
    caAlgorithm: state.algorithm,
    user: 'kubeseed-remove-node',
    groups: [],
    now,
    validitySeconds: ETCD_CREDENTIAL_SECONDS,
  });
  const address = peer.internalIps[0]!;
  return new ClusterApi(
    {
      server: `https://${address.includes(':') ? `[${address}]` : address}:${port}`,
      caCert: state.pki.etcdCa.cert,
      clientCert: credential.cert,
      clientKey: credential.key,
    },
    { serverName: `etcd of ${peer.name}` },
  );
}

export async function removeNode(options: RemoveNodeOptions): Promise<void> {
  const { api, node: name, clock } = options;
  const nodes = await listNodes(api);
  const node = nodes.find((candidate) => candidate.name === name);
  if (!node) {
    throw new KubeseedError(
      'cluster-refused',
      `the cluster has no Node ${name}; \`kubectl get nodes\` lists the nodes it has`,
    );
  }
  let etcd: { client: ClusterApi; member: EtcdMember } | undefined;
  if (node.controlPlane) {
    const peers = nodes.filter((candidate) => candidate.controlPlane && candidate.name !== name);
    const peer = peers.find((candidate) => candidate.internalIps.length > 0);
    if (!peer) {
      throw new KubeseedError(
        'cluster-refused',
        `${name} is the last control plane: removing it would end the cluster; add another control plane first`,
      );
    }
    const client = await etcdClient(options.state, options.now, peer, options.etcdPort ?? ETCD_CLIENT_PORT);
    const members = await listMembers(client);
    const member = memberOfNode(members, name, node.internalIps);
    if (member && members.length <= 1) {
      throw new KubeseedError(
        'cluster-refused',
        `${name} holds the last etcd member: removing it would lose the cluster's data; add another control plane first`,
      );
    }
    if (member) etcd = { client, member };
    else clock.log(`${name} has no etcd member (already removed)`);
  }
  if (!node.unschedulable) {
    await cordon(api, name);
    clock.log(`cordoned ${name}`);
  }
  const { evicted } = await drain(api, name, clock);
  clock.log(`drained ${name} (${evicted.length} pod${evicted.length === 1 ? '' : 's'} evicted)`);
  if (etcd) {
    await removeMember(etcd.client, etcd.member);
    clock.log(`removed etcd member ${etcd.member.name || etcd.member.id}`);
  }
  await api.call(`delete Node ${name}`, 'DELETE', `/api/v1/nodes/${encodeURIComponent(name)}`, { expect: [404] });
  clock.log(`deleted Node ${name}; on the machine, run \`kubeseed-boot reset\` before it is reused`);
}
