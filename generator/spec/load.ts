// Loads cluster.yaml: parses with positions, checks every field, applies defaults, and
// reports all problems together, each with its field path and line:column.
import { isIP } from 'node:net';
import { type Document, isCollection, LineCounter, parseDocument } from 'yaml';
import { ARCHES, type Arch } from '../../core/arch.ts';
import { KubeseedError } from '../../core/errors.ts';
import { Cursor, type Locate, ProblemSink, yamlProblems } from '../../core/fields.ts';
import { SUPPORTED_MINORS } from '../../core/kubernetes-versions.ts';
import { type Cidr, contains, overlaps, parseCidr } from './cidr.ts';
import { DURATION_HINT, parseDuration } from './duration.ts';
import { kubeletLabelProblem, labelValueProblem, qualifiedNameProblem } from './labels.ts';
import { POD_NETWORKS, podSubnetProblems } from './pod-networks.ts';
import {
  CARRIERS,
  type ClusterSpec,
  type Endpoint,
  type ImageArchiveSpec,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  NODE_ROLES,
  type NodeNetwork,
  type NodeSpec,
  type RegistryMirrorSpec,
  type RemoteFile,
  SPEC_API_VERSION,
  SPEC_KIND,
  TAINT_EFFECTS,
  type Taint,
} from './types.ts';

export interface LoadedSpec {
  spec: ClusterSpec;
  warnings: string[];
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION = /^v?(\d+)\.(\d+)\.(\d+)$/;
const SSH_KEY =
  /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const API_SERVER_PORT = 6443;
const DEFAULTS = { caValidity: '10y', certValidity: '1y', tokenTtl: '24h', dnsDomain: 'cluster.local' };
/** kube-apiserver refuses service ranges with more than 2^20 addresses. */
const MAX_SERVICE_HOST_BITS = 20;
const ECDSA_P384_MINOR = 34;

function locator(document: Document, lineCounter: LineCounter): Locate {
  return (path) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      const offset = depth === 0 ? document.contents?.range?.[0] : node?.range?.[0];
      if (offset !== undefined && (depth === 0 || node)) {
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col };
      }
    }
    return undefined;
  };
}

function splitHostPort(text: string): [host: string, port: string | undefined] | undefined {
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
  if (bracketed) return [bracketed[1]!, bracketed[2]];
  if (isIP(text) === 6) return [text, undefined];
  const [host = '', port, ...rest] = text.split(':');
  return rest.length > 0 ? undefined : [host, port];
}

function readEndpoint(cursor: Cursor): Endpoint | undefined {
  const text = cursor.string({ required: false });
  if (text === undefined) return undefined;
  const [host, portText] = splitHostPort(text) ?? ['', undefined];
  const port = portText === undefined ? API_SERVER_PORT : /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
  if ((isIP(host) === 0 && !DNS_1123_SUBDOMAIN.test(host)) || port < 1 || port > 65535) {
    return cursor.fail(
      `${JSON.stringify(text)} is not a valid endpoint; expected host or host:port, e.g. k8s.example.com:6443 or 192.0.2.10`,
    );
  }
  return { host, port };
}

function readCidrList(cursor: Cursor, fallback?: string): Cidr[] | undefined {
  const text = cursor.present ? cursor.string() : fallback;
  if (text === undefined) return cursor.present ? undefined : cursor.fail('is required');
  const blocks: Cidr[] = [];
  for (const part of text.split(',').map((piece) => piece.trim())) {
    const parsed = parseCidr(part);
    if (typeof parsed === 'string') return cursor.fail(parsed);
    blocks.push(parsed);
  }
  if (blocks.length > 2 || (blocks.length === 2 && blocks[0]!.family === blocks[1]!.family)) {
    return cursor.fail('dual-stack takes exactly one IPv4 and one IPv6 CIDR, separated by a comma');
  }
  return blocks;
}

function readDuration(cursor: Cursor, fallback: string): number | undefined {
  const value = cursor.present ? cursor.value : fallback;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return cursor.fail(`must be ${DURATION_HINT}`);
  const seconds = parseDuration(text);
  return seconds === undefined ? cursor.fail(`${JSON.stringify(text)} is not ${DURATION_HINT}`) : seconds;
}

function readTaints(cursor: Cursor): Taint[] | undefined {
  if (!cursor.present) return undefined;
  const taints: Taint[] = [];
  for (const item of cursor.list() ?? []) {
    if (!item.mapping(['key', 'value', 'effect'])) continue;
    const key = item.field('key').string();
    const keyProblem = key === undefined ? undefined : qualifiedNameProblem(key);
    if (keyProblem) item.field('key').fail(keyProblem);
    const value = item.field('value').string({ required: false });
    const valueProblem = value === undefined ? undefined : labelValueProblem(value);
    if (valueProblem) item.field('value').fail(valueProblem);
    const effect = item.field('effect').oneOf(TAINT_EFFECTS);
    if (key && effect) taints.push({ key, ...(value === undefined ? {} : { value }), effect });
  }
  return taints;
}

function readLabels(cursor: Cursor): Record<string, string> {
  const labels = cursor.stringMap() ?? {};
  for (const [key, value] of Object.entries(labels)) {
    const problem = qualifiedNameProblem(key) ?? kubeletLabelProblem(key) ?? labelValueProblem(value);
    if (problem) cursor.field(key).fail(problem);
  }
  return labels;
}

const NODE_FIELDS = ['name', 'role', 'address', 'arch', 'carrier', 'labels', 'taints', 'sshAuthorizedKeys', 'network'];
const MAX_INTERFACE_NAME = 15;

function readIp(cursor: Cursor, family: number | undefined): string | undefined {
  const text = cursor.string();
  if (text === undefined) return undefined;
  if (isIP(text) === 0) return cursor.fail(`${JSON.stringify(text)} is not an IP address`);
  if (family !== undefined && isIP(text) !== family)
    return cursor.fail(`${text} is IPv${isIP(text)} but the node's address is IPv${family}`);
  return text;
}

function readNetwork(cursor: Cursor, address: string | undefined): NodeNetwork | undefined {
  if (!cursor.mapping(['prefixLength', 'gateway', 'nameservers', 'interface'], { required: false })) return undefined;
  if (address === undefined)
    return cursor.fail("static network settings need the node's address; add address, or remove network to use DHCP");
  const family = isIP(address) || undefined;
  const prefixLength = cursor.field('prefixLength').integer({ min: 1, max: family === 6 ? 128 : 32 });
  const gateway = cursor.field('gateway').present ? readIp(cursor.field('gateway'), family) : undefined;
  const nameservers = (cursor.field('nameservers').list({ required: false }) ?? []).map((item) =>
    readIp(item, undefined),
  );
  const name = cursor
    .field('interface')
    .string({ required: false, pattern: /^[A-Za-z0-9_.:-]+$/, expected: 'an interface name like eth0' });
  if (name !== undefined && name.length > MAX_INTERFACE_NAME)
    cursor.field('interface').fail(`is longer than the kernel's ${MAX_INTERFACE_NAME} characters`);
  if (prefixLength === undefined || nameservers.some((server) => server === undefined)) return undefined;
  return {
    prefixLength,
    ...(gateway === undefined ? {} : { gateway }),
    ...(nameservers.length === 0 ? {} : { nameservers: nameservers as string[] }),
    ...(name === undefined ? {} : { interface: name }),
  };
}

function readNode(cursor: Cursor): Omit<NodeSpec, 'bootstrap'> | undefined {
  if (!cursor.mapping(NODE_FIELDS)) return undefined;
  const name = cursor
    .field('name')
    .string({ pattern: DNS_1123_LABEL, expected: 'a lowercase DNS-1123 label (a-z, 0-9, -; at most 63)' });
  const role = cursor.field('role').oneOf(NODE_ROLES);
  const address = cursor.field('address').string({ required: false });
  if (address !== undefined && isIP(address) === 0)
    cursor.field('address').fail(`${JSON.stringify(address)} is not an IP address`);
  const arch = cursor.field('arch').oneOf(ARCHES, 'amd64');
  const carrier = cursor.field('carrier').oneOf(CARRIERS, 'cloud-init');
  const labels = readLabels(cursor.field('labels'));
  const taints = readTaints(cursor.field('taints'));
  const network = readNetwork(
    cursor.field('network'),
    address !== undefined && isIP(address) !== 0 ? address : undefined,
  );
  const keys = cursor.field('sshAuthorizedKeys').stringList() ?? [];
  keys.forEach((key, index) => {
    if (!SSH_KEY.test(key))
      cursor
        .field('sshAuthorizedKeys')
        .item(index)
        .fail('is not an OpenSSH public key; expected e.g. "ssh-ed25519 AAAA… user@host"');
  });
  if (!name || !role || !arch || !carrier) return undefined;
  return {
    name,
    role,
    ...(address === undefined ? {} : { address }),
    arch,
    carrier,
    labels,
    ...(taints === undefined ? {} : { taints }),
    sshAuthorizedKeys: keys,
    ...(network === undefined ? {} : { network }),
  };
}

function bootstrapOf(nodes: Omit<NodeSpec, 'bootstrap'>[]): NodeSpec[] {
  const initIndex = nodes.findIndex((node) => node.role === 'control-plane');
  return nodes.map((node, index) => ({
    ...node,
    bootstrap: index === initIndex ? 'init' : node.role === 'control-plane' ? 'control-plane' : 'worker',
  }));
}

function readNodes(root: Cursor): NodeSpec[] | undefined {
  const cursor = root.field('nodes');
  const items = cursor.list();
  if (!items) return undefined;
  const nodes = items.map(readNode);
  if (items.length === 0) return cursor.fail('needs at least one control-plane node');
  const seenNames = new Map<string, number>();
  const seenAddresses = new Map<string, number>();
  nodes.forEach((node, index) => {
    if (!node) return;
    const firstName = seenNames.get(node.name);
    if (firstName !== undefined)
      items[index]!.field('name').fail(
        `${JSON.stringify(node.name)} is already used by nodes[${firstName}]; node names must be unique`,
      );
    else seenNames.set(node.name, index);
    if (node.address === undefined) return;
    const firstAddress = seenAddresses.get(node.address);
    if (firstAddress !== undefined)
      items[index]!.field('address').fail(`${node.address} is already used by nodes[${firstAddress}]`);
    else seenAddresses.set(node.address, index);
  });
  if (nodes.every((node) => node && node.role !== 'control-plane')) {
    return cursor.fail('needs at least one node with role control-plane: the first one initialises the cluster');
  }
  if (nodes.some((node) => node === undefined)) return undefined;
  return bootstrapOf(nodes as Omit<NodeSpec, 'bootstrap'>[]);
}

function checkNetworks(root: Cursor, pods: Cidr[], services: Cidr[], nodes: NodeSpec[]): void {
  const networking = root.field('networking');
  for (const pod of pods) {
    for (const service of services) {
      if (overlaps(pod, service))
        networking
          .field('serviceSubnet')
          .fail(`${service.text} overlaps the pod subnet ${pod.text}; pick ranges that do not overlap`);
    }
  }
  for (const service of services) {
    const hostBits = (service.family === 4 ? 32 : 128) - service.prefix;
    if (hostBits > MAX_SERVICE_HOST_BITS) {
      networking
        .field('serviceSubnet')
        .fail(
          `${service.text} is too large: kube-apiserver allows at most 2^${MAX_SERVICE_HOST_BITS} service addresses (use /${(service.family === 4 ? 32 : 128) - MAX_SERVICE_HOST_BITS} or smaller)`,
        );
    }
  }
  if (services.some((service) => !pods.some((pod) => pod.family === service.family))) {
    networking.field('serviceSubnet').fail('has an IP family the pod subnet does not; dual-stack needs both in both');
  }
  nodes.forEach((node, index) => {
    if (node.address === undefined) return;
    for (const block of [...pods, ...services]) {
      if (contains(block, node.address)) {
        root
          .field('nodes')
          .item(index)
          .field('address')
          .fail(
            `${node.address} lies inside ${block.text}; node addresses must not overlap the pod or service subnets`,
          );
      }
    }
  });
}

function resolveEndpoint(root: Cursor, given: Endpoint | undefined, nodes: NodeSpec[]): Endpoint | undefined {
  if (given) return given;
  const controlPlanes = nodes.filter((node) => node.role === 'control-plane');
  const field = root.field('controlPlaneEndpoint');
  if (controlPlanes.length > 1) {
    return field.fail(
      'is required with more than one control plane: a load balancer or VIP address (host or host:port) in front of all of them',
    );
  }
  const address = controlPlanes[0]?.address;
  if (address === undefined) {
    return field.fail(
      'is required when the control plane has no address: give controlPlaneEndpoint or the control-plane node an address',
    );
  }
  return { host: address, port: API_SERVER_PORT };
}

function readVersion(cursor: Cursor): { version: string; minor: string } | undefined {
  const text = cursor.string();
  if (text === undefined) return undefined;
  const match = VERSION.exec(text);
  if (!match)
    return cursor.fail(`${JSON.stringify(text)} is not a Kubernetes release; expected a full version like 1.33.2`);
  const minor = `${match[1]}.${match[2]}`;
  if (!SUPPORTED_MINORS.includes(minor)) {
    return cursor.fail(
      `${text} is not supported; supported Kubernetes versions: ${SUPPORTED_MINORS.join(', ')} (kubeadm's v1beta4 API)`,
    );
  }
  return { version: `${match[1]}.${match[2]}.${match[3]}`, minor };
}

function checkAlgorithm(cursor: Cursor, algorithm: KeyAlgorithm | undefined, minor: string | undefined): void {
  if (algorithm === 'ECDSA-P384' && minor !== undefined && Number(minor.split('.')[1]) < ECDSA_P384_MINOR) {
    cursor.fail(
      `ECDSA-P384 needs Kubernetes 1.${ECDSA_P384_MINOR} or newer (kubeadm's encryptionAlgorithm); use ECDSA-P256 or upgrade kubernetesVersion`,
    );
  }
}

const SHA512_HEX = /^[0-9a-f]{128}$/;

/** Per-architecture downloads (`amd64: {url, sha512}`), as Ignition fetches and verifies them. */
function readRemoteFiles(cursor: Cursor): Partial<Record<Arch, RemoteFile>> | undefined {
  if (!cursor.mapping(ARCHES, { required: false })) return undefined;
  const files: Partial<Record<Arch, RemoteFile>> = {};
  for (const arch of ARCHES) {
    const entry = cursor.field(arch);
    if (!entry.mapping(['url', 'sha512'], { required: false })) continue;
    const url = entry.field('url').string({ pattern: /^https?:\/\/\S+$/, expected: 'an http(s) URL' });
    const sha512 = entry
      .field('sha512')
      .string({ pattern: SHA512_HEX, expected: '128 lowercase hex digits (sha512sum of the file)' });
    if (url && sha512) files[arch] = { url, sha512 };
  }
  return files;
}

const REGISTRY_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;
const IMAGE_REPOSITORY = /^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)*$/;
const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/;

function readRegistries(cursor: Cursor): RegistryMirrorSpec[] {
  const registries: RegistryMirrorSpec[] = [];
  for (const item of cursor.list({ required: false }) ?? []) {
    if (!item.mapping(['host', 'mirrors', 'caCertificate', 'skipVerify'])) continue;
    const host = item
      .field('host')
      .string({ pattern: REGISTRY_HOST, expected: 'a registry host[:port] such as registry.k8s.io' });
    const mirrors = item.field('mirrors').stringList({ required: true }) ?? [];
    mirrors.forEach((mirror, index) => {
      if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(mirror))
        item
          .field('mirrors')
          .item(index)
          .fail(`${JSON.stringify(mirror)} is not an http(s) URL such as https://mirror.local:5000`);
    });
    const caCertificate = item.field('caCertificate').string({
      required: false,
      pattern: PEM_CERTIFICATE,
      expected: 'a PEM certificate (-----BEGIN CERTIFICATE-----)',
    });
    const skipVerify = item.field('skipVerify').boolean({ required: false });
    if (host && mirrors.length > 0) {
      registries.push({
        host,
        mirrors,
        ...(caCertificate ? { caCertificate } : {}),
        ...(skipVerify === undefined ? {} : { skipVerify }),
      });
    }
  }
  return registries;
}

function readImageArchives(cursor: Cursor): ImageArchiveSpec[] {
  const archives: ImageArchiveSpec[] = [];
  for (const item of cursor.list({ required: false }) ?? []) {
    if (!item.mapping(['path', 'sha256'])) continue;
    const path = item
      .field('path')
      .string({ pattern: /^\/\S+$/, expected: 'the absolute path of the archive on the machine' });
    const sha256 = item
      .field('sha256')
      .string({ pattern: /^[0-9a-f]{64}$/, expected: "64 lowercase hex digits (from the archive's .sha256 file)" });
    if (path && sha256) archives.push({ path, sha256 });
  }
  return archives;
}

function checkIgnitionDownloads(
  root: Cursor,
  nodes: NodeSpec[],
  agent: Partial<Record<Arch, RemoteFile>> | undefined,
): void {
  const arches = [...new Set(nodes.filter((node) => node.carrier === 'ignition').map((node) => node.arch))];
  for (const arch of arches) {
    if (!agent?.[arch]) {
      root
        .field('agent')
        .fail(
          `needs ${arch}: {url, sha512}: Ignition nodes (Flatcar, Fedora CoreOS) download kubeseed-boot at first boot; point it at the dist/kubeseed-boot-linux-${arch} you host`,
        );
    }
  }
}

function validate(root: Cursor, warnings: string[]): ClusterSpec | undefined {
  const topLevel = [
    'apiVersion',
    'kind',
    'name',
    'kubernetesVersion',
    'controlPlaneEndpoint',
    'networking',
    'pki',
    'tokens',
    'podNetwork',
    'imageRepository',
    'registries',
    'imageArchives',
    'agent',
    'kubernetesSysext',
    'nodes',
  ];
  if (!root.mapping(topLevel)) return undefined;
  root.field('apiVersion').oneOf([SPEC_API_VERSION]);
  root.field('kind').oneOf([SPEC_KIND]);
  const name = root
    .field('name')
    .string({ pattern: DNS_1123_LABEL, expected: 'a lowercase DNS-1123 label (a-z, 0-9, -; at most 63)' });
  const version = readVersion(root.field('kubernetesVersion'));
  const givenEndpoint = readEndpoint(root.field('controlPlaneEndpoint'));

  const networking = root.field('networking');
  networking.mapping(['podSubnet', 'serviceSubnet', 'dnsDomain']);
  const pods = readCidrList(networking.field('podSubnet'));
  const services = readCidrList(networking.field('serviceSubnet'), '10.96.0.0/12');
  const dnsDomain = networking.field('dnsDomain').present
    ? networking.field('dnsDomain').string({ pattern: DNS_1123_SUBDOMAIN, expected: 'a DNS domain like cluster.local' })
    : DEFAULTS.dnsDomain;

  const pki = root.field('pki');
  pki.mapping(['algorithm', 'caValidity', 'certValidity'], { required: false });
  const algorithm = pki.field('algorithm').oneOf(KEY_ALGORITHMS, 'RSA-2048');
  checkAlgorithm(pki.field('algorithm'), algorithm, version?.minor);
  const caValidity = readDuration(pki.field('caValidity'), DEFAULTS.caValidity);
  const certValidity = readDuration(pki.field('certValidity'), DEFAULTS.certValidity);
  if (caValidity !== undefined && certValidity !== undefined && certValidity > caValidity) {
    pki.field('certValidity').fail('is longer than caValidity: certificates cannot outlive the CA that signs them');
  }
  for (const [key, seconds] of [
    ['caValidity', caValidity],
    ['certValidity', certValidity],
  ] as const) {
    if (seconds !== undefined && seconds < 3600) pki.field(key).fail('must be at least 1h');
  }

  const tokens = root.field('tokens');
  tokens.mapping(['ttl'], { required: false });
  const ttl = readDuration(tokens.field('ttl'), DEFAULTS.tokenTtl);
  if (ttl === 0)
    warnings.push(
      'tokens.ttl is 0: the bootstrap token never expires; anyone who reads a node bundle can join a node until you delete the token',
    );

  const podNetworkName = root.field('podNetwork').oneOf(
    POD_NETWORKS.map((network) => network.name),
    'flannel',
  );
  const imageRepository = root.field('imageRepository').string({
    required: false,
    pattern: IMAGE_REPOSITORY,
    expected: 'a registry and path such as registry.local:5000/k8s',
  });
  const registries = readRegistries(root.field('registries'));
  const imageArchives = readImageArchives(root.field('imageArchives'));
  const agent = readRemoteFiles(root.field('agent'));
  const kubernetesSysext = readRemoteFiles(root.field('kubernetesSysext'));
  const nodes = readNodes(root);
  if (nodes) checkIgnitionDownloads(root, nodes, agent);
  if (nodes && pods && podNetworkName) {
    const network = POD_NETWORKS.find((candidate) => candidate.name === podNetworkName)!;
    for (const problem of podSubnetProblems(network, pods, nodes.length)) networking.field('podSubnet').fail(problem);
  }
  if (nodes && pods && services) checkNetworks(root, pods, services, nodes);
  const endpoint = nodes ? resolveEndpoint(root, givenEndpoint, nodes) : undefined;

  if (
    !name ||
    !version ||
    !endpoint ||
    !pods ||
    !services ||
    !dnsDomain ||
    !algorithm ||
    caValidity === undefined ||
    certValidity === undefined ||
    ttl === undefined ||
    !podNetworkName ||
    !nodes
  ) {
    return undefined;
  }
  return {
    name,
    kubernetesVersion: version.version,
    kubernetesMinor: version.minor,
    controlPlaneEndpoint: endpoint,
    networking: { podSubnets: pods.map((c) => c.text), serviceSubnets: services.map((c) => c.text), dnsDomain },
    pki: { algorithm, caValidityHours: caValidity / 3600, certValidityHours: certValidity / 3600 },
    tokens: { ttlSeconds: ttl },
    podNetwork: podNetworkName,
    ...(imageRepository === undefined ? {} : { imageRepository }),
    registries,
    imageArchives,
    ...(agent && Object.keys(agent).length > 0 ? { agent } : {}),
    ...(kubernetesSysext && Object.keys(kubernetesSysext).length > 0 ? { kubernetesSysext } : {}),
    nodes,
  };
}

/** Parses and validates cluster.yaml text. Throws KubeseedError('invalid-spec') listing every problem. */
export function loadSpec(text: string): LoadedSpec {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new KubeseedError('invalid-spec', 'the cluster spec is not valid YAML', yamlProblems(document.errors));
  }
  const sink = new ProblemSink(locator(document, lineCounter));
  const warnings: string[] = [];
  const root = Cursor.root(isCollection(document.contents) ? document.toJS() : document.contents?.toJSON(), sink);
  const spec = validate(root, warnings);
  if (!spec || sink.problems.length > 0) {
    const count = sink.problems.length;
    throw new KubeseedError(
      'invalid-spec',
      `the cluster spec has ${count} problem${count === 1 ? '' : 's'}`,
      sink.problems,
    );
  }
  return { spec, warnings };
}
