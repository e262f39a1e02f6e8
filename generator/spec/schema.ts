// The cluster spec (cluster.yaml), declared once: what each field may hold, its default,
// and the message a user sees. The types come from this declaration; rules that span
// fields (overlaps, node addresses, the pod network, version-dependent settings) are in
// checks.ts and run on what this reads.
import { isIP } from 'node:net';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { archiveRef } from '../../core/archive-ref.ts';
import { type Cidr, parseCidr } from '../../core/cidr.ts';
import { duration } from '../../core/duration.ts';
import { DNS_1123_SUBDOMAIN, dnsLabel, httpUrl, interfaceName, ipAddress, sha512Hex } from '../../core/formats.ts';
import { parseHostPort } from '../../core/host-port.ts';
import { MACHINE_IMAGES, type MachineImage, packageRepository, releaseMirror } from '../../core/install-settings.ts';
import { SUPPORTED_MINORS } from '../../core/kubernetes-versions.ts';
import { registryMirror } from '../../core/registry-mirror.ts';
import {
  boolean,
  custom,
  type Infer,
  integer,
  isRecord,
  list,
  map,
  object,
  oneOf,
  type Schema,
  string,
} from '../../core/schema.ts';
import { kubeletLabelProblem, labelValueProblem, qualifiedNameProblem } from './labels.ts';
import { POD_NETWORKS } from './pod-networks.ts';

const SPEC_API_VERSION = 'kubeseed.dev/v1alpha1';
const SPEC_KIND = 'Cluster';
export const API_SERVER_PORT = 6443;

export const KEY_ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'] as const;
export const NODE_ROLES = ['control-plane', 'worker'] as const;
export const CARRIERS = ['cloud-init', 'ignition'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
const SSH_KEY =
  /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const IMAGE_REPOSITORY = /^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)*$/;
const MIN_VALIDITY_SECONDS = 3600;

const kubernetesVersion = string().map((text, at) => {
  const match = VERSION.exec(text);
  if (!match)
    return at.fail(`${JSON.stringify(text)} is not a Kubernetes release; expected a full version like 1.33.2`);
  const minor = `${match[1]}.${match[2]}`;
  if (!SUPPORTED_MINORS.includes(minor)) {
    return at.fail(
      `${text} is not supported; supported Kubernetes versions: ${SUPPORTED_MINORS.join(', ')} (kubeadm's v1beta4 API)`,
    );
  }
  return { version: `${minor}.${match[3]}`, minor };
});

const endpoint = string().map(
  (text, at) =>
    parseHostPort(text, API_SERVER_PORT) ??
    at.fail(
      `${JSON.stringify(text)} is not a valid endpoint; expected host or host:port, e.g. k8s.example.com:6443 or 192.0.2.10`,
    ),
);

/**
 * An address kubeseed manages: kube-vip holds it on whichever control plane leads, on the
 * API server's own port (there is no load balancer in between, so no port of its own).
 */
const controlPlaneVip = object({
  vip: string().check((text, at) =>
    isIP(text) === 0
      ? `${at.show(text)} is not an IP address; kube-vip holds an address (a name needs a load balancer)`
      : undefined,
  ),
  /** Absent: each control plane's network.interface, else the interface of its default route. */
  interface: interfaceName.orAbsent(),
});

/** A load balancer's host[:port], or `{vip: ADDRESS, interface: NAME}`. */
const controlPlaneEndpoint = custom((value, at) =>
  isRecord(value) ? controlPlaneVip.read(value, at) : endpoint.read(value, at),
);

/** One CIDR, or an IPv4 and an IPv6 one separated by a comma (dual-stack). */
const cidrList = string().map((text, at) => {
  const blocks: Cidr[] = [];
  for (const part of text.split(',').map((piece) => piece.trim())) {
    const parsed = parseCidr(part);
    if (typeof parsed === 'string') return at.fail(parsed);
    blocks.push(parsed);
  }
  if (blocks.length > 2 || (blocks.length === 2 && blocks[0]!.family === blocks[1]!.family)) {
    return at.fail('dual-stack takes exactly one IPv4 and one IPv6 CIDR, separated by a comma');
  }
  return blocks;
});

const validity = duration.check((seconds) => (seconds < MIN_VALIDITY_SECONDS ? 'must be at least 1h' : undefined));

const taint = object({
  key: string().check(qualifiedNameProblem),
  value: string().check(labelValueProblem).orAbsent(),
  effect: oneOf(TAINT_EFFECTS),
});

const sshAuthorizedKey = string().check((key) =>
  SSH_KEY.test(key) ? undefined : 'is not an OpenSSH public key; expected e.g. "ssh-ed25519 AAAA… user@host"',
);

/** Static addressing for a node; without it the node asks DHCP. */
const nodeNetwork = object({
  prefixLength: integer({ min: 1, max: 128 }),
  gateway: ipAddress.orAbsent(),
  nameservers: list(ipAddress).orAbsent(),
  /** Interface name; without it the settings apply to the ethernet interfaces (`e*`). */
  interface: interfaceName.orAbsent(),
});

const node = object({
  name: dnsLabel,
  role: oneOf(NODE_ROLES),
  address: ipAddress.orAbsent(),
  arch: oneOf(ARCHES).default('amd64'),
  carrier: oneOf(CARRIERS).default('cloud-init'),
  /** Overrides the cluster's machineImage for this node. */
  machineImage: oneOf(MACHINE_IMAGES).orAbsent(),
  labels: map(string().check(labelValueProblem), {
    key: (key) => qualifiedNameProblem(key) ?? kubeletLabelProblem(key),
  }).default({}),
  /** Absent means kubeadm's default (control planes get the control-plane NoSchedule taint). */
  taints: list(taint).orAbsent(),
  sshAuthorizedKeys: list(sshAuthorizedKey).default([]),
  network: nodeNetwork.orAbsent(),
  /** This node's own setting; absent means the cluster's metadataGuard. */
  metadataGuard: boolean().orAbsent(),
});

/** A file machines download at first boot, checked against its hash before use. */
const remoteFile = object({
  url: httpUrl('https://files.example.com/kubeseed-boot-linux-amd64'),
  sha512: sha512Hex,
});

/** Per-architecture downloads (`amd64: {url, sha512}`), as Ignition fetches and verifies them. */
const perArch = object(
  Object.fromEntries(ARCHES.map((arch) => [arch, remoteFile.orAbsent()])) as Record<
    Arch,
    Schema<RemoteFile | undefined, true>
  >,
);

export const clusterDocument = object({
  apiVersion: oneOf([SPEC_API_VERSION]),
  kind: oneOf([SPEC_KIND]),
  name: dnsLabel,
  kubernetesVersion,
  controlPlaneEndpoint: controlPlaneEndpoint.orAbsent(),
  networking: object({
    podSubnet: cidrList,
    serviceSubnet: cidrList.default('10.96.0.0/12'),
    dnsDomain: string({ pattern: DNS_1123_SUBDOMAIN, expected: 'a DNS domain like cluster.local' }).default(
      'cluster.local',
    ),
  }),
  pki: object({
    algorithm: oneOf(KEY_ALGORITHMS).default('RSA-2048'),
    caValidity: validity.default('10y'),
    certValidity: validity.default('1y'),
    /** out/admin.conf's certificate, made with the state; absent: certValidity. */
    adminValidity: validity.orAbsent(),
  }).default({}),
  tokens: object({
    /** 0 means the token never expires. */
    ttl: duration.default('24h'),
  }).default({}),
  /** What control planes do for themselves after the first boot. */
  maintenance: object({
    etcdSnapshots: object({
      enabled: boolean().default(true),
      every: duration
        .check((seconds) => (seconds < 3600 || seconds % 3600 !== 0 ? 'must be whole hours, at least 1h' : undefined))
        .default('12h'),
      keep: integer({ min: 1, max: 1000 }).default(5),
    }).default({}),
  }).default({}),
  podNetwork: oneOf(POD_NETWORKS.map((network) => network.name)).default('flannel'),
  /** kubeadm's imageRepository: where kubeadm's own images come from (a local registry). */
  imageRepository: string({
    pattern: IMAGE_REPOSITORY,
    expected: 'a registry and path such as registry.local:5000/k8s',
  }).orAbsent(),
  registries: list(registryMirror).default([]),
  imageArchives: list(archiveRef).default([]),
  /** Where stock-image and Ignition machines download kubeseed-boot, per architecture. */
  agent: perArch.orAbsent(),
  /** Flatcar's Kubernetes system extension image (kubeadm, kubelet, kubectl), per architecture. */
  kubernetesSysext: perArch.orAbsent(),
  /**
   * Pods cannot reach the cloud metadata service (169.254.169.254, fd00:ec2::254), which
   * serves each machine's user-data, keys included. Off only for workloads that need it,
   * best per node (nodes[].metadataGuard); checks.ts warns.
   */
  metadataGuard: boolean().default(true),
  /** stock: the user-data installs the agent, containerd and Kubernetes; prepared: the image has them. See machineImageOf. */
  machineImage: oneOf(MACHINE_IMAGES).orAbsent(),
  /** A site's mirror of the Kubernetes package repositories (stock images), instead of pkgs.k8s.io. */
  packageRepository: packageRepository.orAbsent(),
  /** A site's mirror of GitHub's release downloads, for containerd's release files on stock images. */
  releaseMirror: releaseMirror.orAbsent(),
  nodes: list(node).check((nodes) => {
    if (nodes.length === 0) return 'needs at least one control-plane node';
    if (nodes.every((candidate) => candidate.role !== 'control-plane'))
      return 'needs at least one node with role control-plane: the first one initialises the cluster';
    return undefined;
  }),
});

/** cluster.yaml as written, checked field by field, with defaults applied. */
export type ClusterDocument = Infer<typeof clusterDocument>;
export type RemoteFile = Infer<typeof remoteFile>;

/**
 * A node's own machineImage, else the cluster's, else stock for cloud-init nodes: Ignition
 * machines (Flatcar, Fedora CoreOS) have no package manager to install from, so theirs are prepared.
 */
export function machineImageOf(document: ClusterDocument, node: ClusterDocument['nodes'][number]): MachineImage {
  return node.machineImage ?? document.machineImage ?? (node.carrier === 'ignition' ? 'prepared' : 'stock');
}
