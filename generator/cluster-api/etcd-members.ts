// etcd membership through etcd's own JSON gateway (/v3/cluster/member/*, on every member's
// client port), with a client certificate signed from the state's etcd CA: removing the
// member of a control plane that is gone needs no shell on another control plane.
// Member IDs are uint64; the gateway writes them as decimal strings, kept as strings here.
import type { ClusterApi } from './client.ts';

export interface EtcdMember {
  id: string;
  name: string;
  peerUrls: string[];
}

export async function listMembers(etcd: ClusterApi): Promise<EtcdMember[]> {
  const { body } = await etcd.call('list etcd members', 'POST', '/v3/cluster/member/list', { body: {} });
  const members = (body as { members?: Array<{ ID?: string; name?: string; peerURLs?: string[] }> }).members ?? [];
  return members.map((member) => ({
    id: String(member.ID ?? ''),
    name: member.name ?? '',
    peerUrls: member.peerURLs ?? [],
  }));
}

export async function removeMember(etcd: ClusterApi, member: EtcdMember): Promise<void> {
  await etcd.call(`remove etcd member ${member.name || member.id}`, 'POST', '/v3/cluster/member/remove', {
    body: { ID: member.id },
  });
}

/** kubeadm names each stacked etcd member after its node and peers on https://<address>:2380. */
export function memberOfNode(
  members: readonly EtcdMember[],
  node: string,
  addresses: readonly string[],
): EtcdMember | undefined {
  return (
    members.find((member) => member.name === node) ??
    members.find((member) =>
      member.peerUrls.some((url) =>
        addresses.some((address) => url === `https://${address.includes(':') ? `[${address}]` : address}:2380`),
      ),
    )
  );
}
