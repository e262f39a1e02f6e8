// The files cloud-init's NoCloud datasource reads beside user-data, from a `cidata` seed
// image or a Raspberry Pi boot partition: meta-data (instance identity) and
// network-config (netplan-style version 2).
import { KubeseedError } from '../../core/errors.ts';
import { stringifyYaml } from '../../core/yaml-stringify.ts';
import type { NodeSpec } from '../spec/types.ts';

// cloud-init runs its per-instance modules (write_files among them) again only when the
// instance-id changes, so it must stay the same for every generate of the same node.
export function nocloudMetaData(input: { clusterName: string; nodeName: string }): string {
  return stringifyYaml({
    'instance-id': `kubeseed-${input.clusterName}-${input.nodeName}`,
    'local-hostname': input.nodeName,
  });
}

// Interface names differ by image (eth0, end0, enp1s0, ens3): netplan (Ubuntu, Raspberry
// Pi OS) applies the settings to whichever wired interface the glob matches. cloud-init's
// own renderers (eni, networkd, sysconfig) ignore `match` and use the id as the interface
// name, so the id is the most common one; images like those need `network.interface`.
const ETHERNET_ID = 'eth0';
const ETHERNET_MATCH = { name: 'e*' };

// Netplan deprecates gateway4/gateway6 in favour of default routes, and cloud-init's own renderers
// (eni, networkd, sysconfig; 22.4 checked) fail on netplan's `to: default` and render
// `to: ::/0` as ::/64. What works through all of them: the IPv4 route with an explicit
// 0.0.0.0/0, and gateway6 for IPv6.
function defaultRoute(gateway: string) {
  return gateway.includes(':') ? { gateway6: gateway } : { routes: [{ to: '0.0.0.0/0', via: gateway }] };
}

// The same text for every node on DHCP: a fleet renders it once.
let dhcpConfig: string | undefined;

export function networkConfig(node: NodeSpec): string {
  const network = node.network;
  if (!network) {
    dhcpConfig ??= stringifyYaml({ version: 2, ethernets: { [ETHERNET_ID]: { match: ETHERNET_MATCH, dhcp4: true } } });
    return dhcpConfig;
  }
  const address = node.address;
  if (address === undefined) {
    throw new KubeseedError(
      'invalid-spec',
      `nodes.${node.name}.network: static settings need nodes.${node.name}.address; add the address or remove network for DHCP`,
    );
  }
  const settings = {
    ...(network.interface === undefined ? { match: ETHERNET_MATCH } : {}),
    dhcp4: false,
    addresses: [`${address}/${network.prefixLength}`],
    ...(network.gateway === undefined ? {} : defaultRoute(network.gateway)),
    ...(network.nameservers && network.nameservers.length > 0
      ? { nameservers: { addresses: [...network.nameservers] } }
      : {}),
  };
  return stringifyYaml({ version: 2, ethernets: { [network.interface ?? ETHERNET_ID]: settings } });
}
