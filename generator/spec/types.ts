// The cluster spec everything else reads: the document declared in schema.ts, checked,
// with what follows from it resolved (which node initialises, the API endpoint, lifetimes
// in hours). Its type is what resolveSpec returns, so it follows the declaration.
import type { Cidr } from '../../core/cidr.ts';
import { formatHostPort, type HostPort } from '../../core/host-port.ts';
import { type CARRIERS, type ClusterDocument, type KEY_ALGORITHMS, machineImageOf, type NODE_ROLES } from './schema.ts';

export { KEY_ALGORITHMS, type RemoteFile } from './schema.ts';

export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
export type NodeRole = (typeof NODE_ROLES)[number];
export type Carrier = (typeof CARRIERS)[number];
export type Endpoint = HostPort;

const SECONDS_PER_HOUR = 3600;

function withBootstrap(document: ClusterDocument) {
  const { nodes } = document;
  const initIndex = nodes.findIndex((node) => node.role === 'control-plane');
  return nodes.map((node, index) => ({
    ...node,
    /** How this node enters the cluster: the first control plane runs `kubeadm init`. */
    bootstrap: (index === initIndex ? 'init' : node.role) as 'init' | NodeRole,
    /** Whether pods on this node are kept away from the cloud metadata service: its own setting, else the cluster's. */
    metadataGuard: node.metadataGuard ?? document.metadataGuard,
    /** stock: the user-data installs the agent, containerd and Kubernetes; prepared: the image has them. */
    machineImage: machineImageOf(document, node),
  }));
}

const texts = (blocks: readonly Cidr[]) => blocks.map((block) => block.text);

interface ControlPlaneVip {
  /** The address kube-vip holds: the endpoint's host. */
  address: string;
  /** Absent: each control plane's network.interface, else the interface of its default route. */
  interface?: string;
}

/** Present when the endpoint is an address kubeseed manages with kube-vip. */
function controlPlaneVip(given: ClusterDocument['controlPlaneEndpoint']): ControlPlaneVip | undefined {
  if (given === undefined || !('vip' in given)) return undefined;
  return { address: given.vip, ...(given.interface === undefined ? {} : { interface: given.interface }) };
}

/** The spec from a checked document and the endpoint the checks resolved. */
export function resolveSpec(document: ClusterDocument, controlPlaneEndpoint: Endpoint) {
  const { networking, pki, agent, kubernetesSysext, imageRepository, packageRepository, releaseMirror } = document;
  const vip = controlPlaneVip(document.controlPlaneEndpoint);
  return {
    name: document.name,
    /** Full version without the leading v, e.g. `1.33.2`. */
    kubernetesVersion: document.kubernetesVersion.version,
    /** Minor version, e.g. `1.33`. */
    kubernetesMinor: document.kubernetesVersion.minor,
    controlPlaneEndpoint,
    ...(vip === undefined ? {} : { controlPlaneVip: vip }),
    networking: {
      /** One CIDR, or an IPv4 and an IPv6 CIDR for dual-stack (kubeadm joins them with a comma). */
      podSubnets: texts(networking.podSubnet),
      serviceSubnets: texts(networking.serviceSubnet),
      dnsDomain: networking.dnsDomain,
    },
    pki: {
      algorithm: pki.algorithm,
      caValidityHours: pki.caValidity / SECONDS_PER_HOUR,
      certValidityHours: pki.certValidity / SECONDS_PER_HOUR,
      /** admin.conf's certificate (made once, with the state). */
      adminValidityHours: (pki.adminValidity ?? pki.certValidity) / SECONDS_PER_HOUR,
    },
    /** Seconds; 0 means the token never expires. */
    tokens: { ttlSeconds: document.tokens.ttl },
    maintenance: {
      /** Undefined: control planes take no etcd snapshots. */
      etcdSnapshots: document.maintenance.etcdSnapshots.enabled
        ? {
            everyHours: document.maintenance.etcdSnapshots.every / SECONDS_PER_HOUR,
            keep: document.maintenance.etcdSnapshots.keep,
          }
        : undefined,
    },
    podNetwork: document.podNetwork,
    ...(imageRepository === undefined ? {} : { imageRepository }),
    registries: document.registries,
    imageArchives: document.imageArchives,
    ...(agent && Object.keys(agent).length > 0 ? { agent } : {}),
    ...(kubernetesSysext && Object.keys(kubernetesSysext).length > 0 ? { kubernetesSysext } : {}),
    ...(packageRepository === undefined ? {} : { packageRepository }),
    ...(releaseMirror === undefined ? {} : { releaseMirror }),
    nodes: withBootstrap(document),
  };
}

export type ClusterSpec = ReturnType<typeof resolveSpec>;
export type NodeSpec = ClusterSpec['nodes'][number];
export type Taint = NonNullable<NodeSpec['taints']>[number];

export const formatEndpoint = formatHostPort;
