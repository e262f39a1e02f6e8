// Pods must not reach the cloud metadata service: it hands this machine's user-data, the
// cluster's keys included, to any process that asks, for the life of the machine. One
// nftables table with its own base chain on the forward hook refuses forwarded traffic to
// it. A drop (or reject) in any base chain is final, so no accept that kube-proxy or the
// pod network add in their own tables later can undo it; traffic the host itself sends
// does not pass the forward hook, so the kubelet, host-network pods and cloud controller
// managers still reach the service. A CNI that moves pod packets around netfilter (Cilium
// with eBPF host routing) is not covered: see the README.
//
// The agent loads the table before kubeadm runs; a unit loads it again at every boot, and
// a kubelet drop-in requires that unit, so the kubelet never starts without it.
import type { Host } from './host.ts';
import {
  METADATA_GUARD_DROP_IN_PATH,
  METADATA_GUARD_RULESET_PATH,
  METADATA_GUARD_UNIT,
  METADATA_GUARD_UNIT_PATH,
  OWNED_HEADER,
} from './paths.ts';

export const GUARD_TABLE = 'kubeseed_metadata_guard';
/** The address every major cloud serves instance metadata and user-data at, and AWS's IPv6 one. */
export const METADATA_IPV4 = '169.254.169.254';
export const METADATA_IPV6 = 'fd00:ec2::254';

/**
 * Idempotent and atomic: `nft -f` applies the file as one transaction, and declaring the
 * table before deleting it lets the delete succeed on a machine without it. Refused
 * rather than silently dropped, so SDKs that probe the service give up at once instead of
 * waiting for a timeout; the counters show in `kubeseed-boot status`.
 */
export function guardRuleset(): string {
  return [
    OWNED_HEADER,
    `# Pods cannot reach the cloud metadata service (${METADATA_IPV4}, ${METADATA_IPV6}); loaded at boot by ${METADATA_GUARD_UNIT}.`,
    `table inet ${GUARD_TABLE}`,
    `delete table inet ${GUARD_TABLE}`,
    `table inet ${GUARD_TABLE} {`,
    '\tchain forward {',
    '\t\ttype filter hook forward priority -5; policy accept;',
    `\t\tip daddr ${METADATA_IPV4} counter reject with icmpx type admin-prohibited`,
    `\t\tip6 daddr ${METADATA_IPV6} counter reject with icmpx type admin-prohibited`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** `nft` is the absolute path the agent found, so the unit runs the same binary. */
export function guardUnit(nft: string): string {
  return [
    OWNED_HEADER,
    '[Unit]',
    'Description=kubeseed: keep pods away from the cloud metadata service (nftables table inet kubeseed_metadata_guard)',
    // A firewall service that replaces the whole ruleset (Debian's nftables.service loads
    // /etc/nftables.conf, which begins with `flush ruleset`) must not run after this.
    'After=nftables.service firewalld.service',
    'Before=kubelet.service',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=${nft} -f ${METADATA_GUARD_RULESET_PATH}`,
    '',
  ].join('\n');
}

/** Requires, not Wants: if the table cannot be loaded, the kubelet (and so every pod) stays down. */
export function kubeletDropIn(): string {
  return [OWNED_HEADER, '[Unit]', `Requires=${METADATA_GUARD_UNIT}`, `After=${METADATA_GUARD_UNIT}`, ''].join('\n');
}

export function guardFiles(nft: string): Array<{ path: string; content: string }> {
  return [
    { path: METADATA_GUARD_RULESET_PATH, content: guardRuleset() },
    { path: METADATA_GUARD_UNIT_PATH, content: guardUnit(nft) },
    { path: METADATA_GUARD_DROP_IN_PATH, content: kubeletDropIn() },
  ];
}

export const LIST_TABLE = ['nft', 'list', 'table', 'inet', GUARD_TABLE] as const;

/** Packets refused so far, from `nft list table` output. */
export function refusedPackets(listing: string): number {
  return [...listing.matchAll(/counter packets (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** The line `kubeseed-boot status` prints: what the kernel holds now, not what was recorded. */
export async function describeGuard(host: Host): Promise<string> {
  const installed = (await host.stat(METADATA_GUARD_UNIT_PATH)) !== undefined;
  if ((await host.findExecutable('nft')) === undefined) {
    return installed
      ? 'metadata guard: unknown: nft is not on PATH, so the table cannot be listed'
      : 'metadata guard: off (not installed on this node)';
  }
  const listed = await host.run(LIST_TABLE, { timeoutMs: 30_000 });
  if (listed.code === 0) {
    const refused = refusedPackets(listed.stdout);
    return `metadata guard: on: pods cannot reach ${METADATA_IPV4} or ${METADATA_IPV6} (table inet ${GUARD_TABLE}, ${refused} packet${refused === 1 ? '' : 's'} refused so far)${installed ? `; ${METADATA_GUARD_UNIT} loads it at boot` : ''}`;
  }
  if (installed) {
    return `metadata guard: NOT LOADED: table inet ${GUARD_TABLE} is missing; run \`systemctl restart ${METADATA_GUARD_UNIT}\` and see \`journalctl -u ${METADATA_GUARD_UNIT}\``;
  }
  return 'metadata guard: off (not installed on this node)';
}
