// Rules of the cluster spec that span fields, run on the document schema.ts has read:
// node names and addresses, static node networks, the pod network, subnets that must not
// overlap, version-dependent settings. Each problem names the field it is about.
import { isIP } from 'node:net';
import { type Cidr, contains, overlaps } from '../../core/cidr.ts';
import type { PathSegment, ProblemSink } from '../../core/schema.ts';
import { checkControlPlaneVip, recommendVip } from './control-plane-vip.ts';
import { POD_NETWORKS, podSubnetProblems } from './pod-networks.ts';
import { API_SERVER_PORT, type ClusterDocument, machineImageOf } from './schema.ts';
import type { Endpoint } from './types.ts';

/** kube-apiserver refuses service ranges with more than 2^20 addresses. */
const MAX_SERVICE_HOST_BITS = 20;
const ECDSA_P384_MINOR = 34;

type Report = (path: readonly PathSegment[], message: string) => void;

function checkPki(document: ClusterDocument, report: Report): void {
  const { algorithm, caValidity, certValidity } = document.pki;
  if (algorithm === 'ECDSA-P384' && Number(document.kubernetesVersion.minor.split('.')[1]) < ECDSA_P384_MINOR) {
    report(
      ['pki', 'algorithm'],
      `ECDSA-P384 needs Kubernetes 1.${ECDSA_P384_MINOR} or newer (kubeadm's encryptionAlgorithm); use ECDSA-P256 or upgrade kubernetesVersion`,
    );
  }
  if (certValidity > caValidity) {
    report(['pki', 'certValidity'], 'is longer than caValidity: certificates cannot outlive the CA that signs them');
  }
  const { adminValidity } = document.pki;
  if (adminValidity !== undefined && adminValidity > caValidity) {
    report(['pki', 'adminValidity'], 'is longer than caValidity: admin.conf cannot outlive the CA that signs it');
  }
}

function checkNodes(document: ClusterDocument, report: Report): void {
  const firstWithName = new Map<string, number>();
  const firstWithAddress = new Map<string, number>();
  document.nodes.forEach((node, index) => {
    const at = ['nodes', index];
    const sameName = firstWithName.get(node.name);
    if (sameName === undefined) firstWithName.set(node.name, index);
    else
      report(
        [...at, 'name'],
        `${JSON.stringify(node.name)} is already used by nodes[${sameName}]; node names must be unique`,
      );
    if (node.address !== undefined) {
      const sameAddress = firstWithAddress.get(node.address);
      if (sameAddress === undefined) firstWithAddress.set(node.address, index);
      else report([...at, 'address'], `${node.address} is already used by nodes[${sameAddress}]`);
    }
    if (!node.network) return;
    if (node.address === undefined) {
      report(
        [...at, 'network'],
        "static network settings need the node's address; add address, or remove network to use DHCP",
      );
      return;
    }
    const family = isIP(node.address);
    const { prefixLength, gateway } = node.network;
    const maxPrefix = family === 6 ? 128 : 32;
    if (prefixLength > maxPrefix)
      report([...at, 'network', 'prefixLength'], `${prefixLength} is out of range 1–${maxPrefix}`);
    if (gateway !== undefined && isIP(gateway) !== family) {
      report([...at, 'network', 'gateway'], `${gateway} is IPv${isIP(gateway)} but the node's address is IPv${family}`);
    }
  });
}

/** Ignition machines cannot install packages: their images are prepared (kubernetesSysext). */
function checkMachineImages(document: ClusterDocument, report: Report): void {
  document.nodes.forEach((node, index) => {
    if (node.carrier !== 'ignition' || machineImageOf(document, node) !== 'stock') return;
    report(
      node.machineImage === undefined ? ['machineImage'] : ['nodes', index, 'machineImage'],
      `${node.name} uses the ignition carrier: Flatcar and Fedora CoreOS are installed from prepared images (kubernetesSysext); set machineImage: prepared for it`,
    );
  });
}

/** Ignition machines and stock images download kubeseed-boot at first boot. */
function checkAgentDownloads(document: ClusterDocument, report: Report): void {
  const downloading = document.nodes.filter(
    (node) => node.carrier === 'ignition' || machineImageOf(document, node) === 'stock',
  );
  for (const arch of new Set(downloading.map((node) => node.arch))) {
    if (document.agent?.[arch]) continue;
    const first = downloading.find((node) => node.arch === arch)!;
    const [how, otherwise] =
      first.carrier === 'ignition'
        ? ['Ignition nodes (Flatcar, Fedora CoreOS) download kubeseed-boot at first boot', '']
        : [
            `nodes on stock images (machineImage: stock, the default for cloud-init; ${first.name} is one) download kubeseed-boot at first boot`,
            ', or set machineImage: prepared for images that carry it',
          ];
    report(
      ['agent'],
      `needs ${arch}: {url, sha512}: ${how}; point it at the dist/kubeseed-boot-linux-${arch} you host (sha512sum gives the digest)${otherwise}`,
    );
  }
}

function checkSubnets(document: ClusterDocument, report: Report): void {
  const pods: Cidr[] = document.networking.podSubnet;
  const services: Cidr[] = document.networking.serviceSubnet;
  const network = POD_NETWORKS.find((candidate) => candidate.name === document.podNetwork)!;
  for (const problem of podSubnetProblems(network, pods, document.nodes.length)) {
    report(['networking', 'podSubnet'], problem);
  }
  for (const pod of pods) {
    for (const service of services) {
      if (overlaps(pod, service))
        report(
          ['networking', 'serviceSubnet'],
          `${service.text} overlaps the pod subnet ${pod.text}; pick ranges that do not overlap`,
        );
    }
  }
  for (const service of services) {
    const width = service.family === 4 ? 32 : 128;
    if (width - service.prefix > MAX_SERVICE_HOST_BITS) {
      report(
        ['networking', 'serviceSubnet'],
        `${service.text} is too large: kube-apiserver allows at most 2^${MAX_SERVICE_HOST_BITS} service addresses (use /${width - MAX_SERVICE_HOST_BITS} or smaller)`,
      );
    }
  }
  if (services.some((service) => !pods.some((pod) => pod.family === service.family))) {
    report(['networking', 'serviceSubnet'], 'has an IP family the pod subnet does not; dual-stack needs both in both');
  }
  document.nodes.forEach((node, index) => {
    if (node.address === undefined) return;
    for (const block of [...pods, ...services]) {
      if (contains(block, node.address)) {
        report(
          ['nodes', index, 'address'],
          `${node.address} lies inside ${block.text}; node addresses must not overlap the pod or service subnets`,
        );
      }
    }
  });
}

function checkVip(document: ClusterDocument, report: Report, warn: Report): void {
  const given = document.controlPlaneEndpoint;
  if (given !== undefined && 'vip' in given) {
    const { podSubnet: pods, serviceSubnet: services } = document.networking;
    checkControlPlaneVip({ vip: given, nodes: document.nodes, pods, services }, report, warn);
  }
  const recommendation = recommendVip(document.nodes, given !== undefined);
  if (recommendation) warn(['controlPlaneEndpoint'], recommendation);
}

/** The given endpoint (a kube-vip address on the API server's port), or the single control plane's address. */
function resolveEndpoint(document: ClusterDocument, report: Report): Endpoint | undefined {
  const given = document.controlPlaneEndpoint;
  if (given) return 'vip' in given ? { host: given.vip, port: API_SERVER_PORT } : given;
  const controlPlanes = document.nodes.filter((node) => node.role === 'control-plane');
  if (controlPlanes.length > 1) {
    report(
      ['controlPlaneEndpoint'],
      'is required with more than one control plane: a load balancer in front of all of them (host or host:port), or {vip: ADDRESS} for a free address on their network that kubeseed holds with kube-vip',
    );
    return undefined;
  }
  const address = controlPlanes[0]?.address;
  if (address === undefined) {
    report(
      ['controlPlaneEndpoint'],
      'is required when the control plane has no address: give controlPlaneEndpoint or the control-plane node an address',
    );
    return undefined;
  }
  return { host: address, port: API_SERVER_PORT };
}

/**
 * Without the metadata guard any pod on the node can read the node's user-data from the
 * cloud's metadata service: the CA keys on a control plane, the bootstrap token anywhere.
 * Allowed (a workload may need the service), but never silently.
 */
function warnMetadataGuardOff(document: ClusterDocument, sink: ProblemSink): void {
  const secrets = (controlPlane: boolean) =>
    controlPlane ? 'the cluster CA keys and the bootstrap token' : 'the bootstrap token';
  const offByCluster = document.nodes.filter((node) => node.metadataGuard === undefined && !document.metadataGuard);
  if (offByCluster.length > 0) {
    const names = offByCluster.map((node) => node.name).join(', ');
    const controlPlane = offByCluster.some((node) => node.role === 'control-plane');
    sink.warn(
      ['metadataGuard'],
      `is false: pods on ${names} can read their node's user-data, with ${secrets(controlPlane)}, from the cloud metadata service (169.254.169.254); turn it off only on the nodes whose workloads need it (nodes[].metadataGuard: false)`,
    );
  }
  for (const [index, node] of document.nodes.entries()) {
    if (node.metadataGuard !== false) continue;
    sink.warn(
      ['nodes', index, 'metadataGuard'],
      `is false: pods on ${node.name} can read its user-data, with ${secrets(node.role === 'control-plane')}, from the cloud metadata service (169.254.169.254)`,
    );
  }
}

/** Checks the rules that span fields; returns the API endpoint every node reaches. */
export function checkSpec(document: ClusterDocument, sink: ProblemSink): Endpoint | undefined {
  const report: Report = (path, message) => sink.add(path, message);
  checkPki(document, report);
  if (document.tokens.ttl === 0) {
    sink.warn(
      ['tokens', 'ttl'],
      'is 0: the bootstrap token never expires; anyone who reads a node bundle can join a node until you delete the token',
    );
  }
  checkNodes(document, report);
  warnMetadataGuardOff(document, sink);
  checkMachineImages(document, report);
  checkAgentDownloads(document, report);
  checkSubnets(document, report);
  checkVip(document, report, (path, message) => sink.warn(path, message));
  return resolveEndpoint(document, report);
}
