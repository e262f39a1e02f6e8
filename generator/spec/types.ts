// The cluster spec after validation: every default applied, every value checked.
// Loading and validation live in load.ts; this file is the shape everything else reads.
import type { Arch } from '../../core/arch.ts';

export const SPEC_API_VERSION = 'kubeseed.dev/v1alpha1';
export const SPEC_KIND = 'Cluster';

export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export const NODE_ROLES = ['control-plane', 'worker'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

export const CARRIERS = ['cloud-init', 'ignition'] as const;
export type Carrier = (typeof CARRIERS)[number];

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export interface Taint {
  key: string;
  value?: string;
  effect: (typeof TAINT_EFFECTS)[number];
}

/** Static addressing for a node; without it the node asks DHCP. */
export interface NodeNetwork {
  prefixLength: number;
  gateway?: string;
  nameservers?: string[];
  /** Interface name; without it the settings apply to the ethernet interfaces (`e*`). */
  interface?: string;
}

export interface NodeSpec {
  name: string;
  role: NodeRole;
  /** How this node enters the cluster: the first control plane runs `kubeadm init`. */
  bootstrap: 'init' | 'control-plane' | 'worker';
  address?: string;
  arch: Arch;
  carrier: Carrier;
  labels: Record<string, string>;
  /** Undefined means kubeadm's default (control planes get the control-plane NoSchedule taint). */
  taints?: Taint[];
  sshAuthorizedKeys: string[];
  network?: NodeNetwork;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** A file machines download at first boot, checked against its hash before use. */
export interface RemoteFile {
  url: string;
  /** Hex SHA-512 of the file. */
  sha512: string;
}

export interface RegistryMirrorSpec {
  /** The registry being mirrored, e.g. registry.k8s.io or docker.io. */
  host: string;
  mirrors: string[];
  /** PEM CA certificate of the mirrors' TLS certificates. */
  caCertificate?: string;
  skipVerify?: boolean;
}

/** An air-gap image archive baked into the machine image (from `kubeseed images archive`). */
export interface ImageArchiveSpec {
  path: string;
  sha256: string;
}

export interface ClusterSpec {
  name: string;
  /** Full version without the leading v, e.g. `1.33.2`. */
  kubernetesVersion: string;
  /** Minor version, e.g. `1.33`. */
  kubernetesMinor: string;
  controlPlaneEndpoint: Endpoint;
  networking: {
    /** One CIDR, or an IPv4 and an IPv6 CIDR for dual-stack (kubeadm joins them with a comma). */
    podSubnets: string[];
    serviceSubnets: string[];
    dnsDomain: string;
  };
  pki: {
    algorithm: KeyAlgorithm;
    caValidityHours: number;
    certValidityHours: number;
  };
  tokens: {
    /** Seconds; 0 means the token never expires. */
    ttlSeconds: number;
  };
  podNetwork: string;
  /** kubeadm's imageRepository: where kubeadm's own images come from (a local registry). */
  imageRepository?: string;
  registries: RegistryMirrorSpec[];
  imageArchives: ImageArchiveSpec[];
  /** Where Ignition machines (Flatcar, Fedora CoreOS) download kubeseed-boot, per architecture. */
  agent?: Partial<Record<Arch, RemoteFile>>;
  /** Flatcar's Kubernetes system extension image (kubeadm, kubelet, kubectl), per architecture. */
  kubernetesSysext?: Partial<Record<Arch, RemoteFile>>;
  nodes: NodeSpec[];
}

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
