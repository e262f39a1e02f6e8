// The node bundle: the one document the generator writes per machine and kubeseed-boot
// reads at first boot (/etc/kubeseed/node.yaml). The consumer owns the contract.
// It is declared once below (the types come from the declaration); parseBundle reads and
// checks the whole document before anything acts on it, so an invalid bundle never
// half-applies.
import { createPublicKey } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { ARCHES } from './arch.ts';
import { archiveRef } from './archive-ref.ts';
import { KubeseedError } from './errors.ts';
import {
  DNS_1123_LABEL,
  dnsLabel,
  interfaceName,
  ipAddress,
  pemBlock,
  pemCertificate,
  sha256Digest,
  sha256Hex,
} from './formats.ts';
import { parseHostPort } from './host-port.ts';
import { installSettings } from './install-settings.ts';
import { registryMirror } from './registry-mirror.ts';
import { expandRsaKey } from './rsa-key.ts';
import {
  boolean,
  type Infer,
  integer,
  list,
  map,
  object,
  oneOf,
  type PathSegment,
  ProblemSink,
  readDocument,
  string,
} from './schema.ts';
import { readYaml, yamlProblems } from './yaml-source.ts';
import { stringifyYaml } from './yaml-stringify.ts';

export const BUNDLE_API_VERSION = 'kubeseed.dev/v1alpha1';
export const BUNDLE_KIND = 'NodeBundle';
export const BUNDLE_PATH = '/etc/kubeseed/node.yaml';

export const BOOTSTRAP_ROLES = ['init', 'control-plane', 'worker'] as const;
export type BootstrapRole = (typeof BOOTSTRAP_ROLES)[number];

/** The files kubeadm reuses when present, relative to /etc/kubernetes/pki; control planes only. */
export const SHARED_PKI_FILES = [
  'ca.crt',
  'ca.key',
  'front-proxy-ca.crt',
  'front-proxy-ca.key',
  'etcd/ca.crt',
  'etcd/ca.key',
  'sa.key',
  'sa.pub',
] as const;
export type SharedPkiFile = (typeof SHARED_PKI_FILES)[number];

/**
 * What a control-plane bundle carries: the shared files nothing else can give. ca.crt
 * travels once, as cluster.caCertificate, and sa.pub is derived from sa.key; with RSA
 * keys carried as their primes, that keeps an RSA-2048 init node's user-data under
 * 8 KiB gzipped.
 */
export const BUNDLED_PKI_FILES = [
  'ca.key',
  'front-proxy-ca.crt',
  'front-proxy-ca.key',
  'etcd/ca.crt',
  'etcd/ca.key',
  'sa.key',
] as const;
export type BundledPkiFile = (typeof BUNDLED_PKI_FILES)[number];

export function isPrivateKeyFile(path: SharedPkiFile): boolean {
  return path.endsWith('.key');
}

const K8S_VERSION = /^\d+\.\d+\.\d+$/;
const UTC_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
/** A bootstrap token: its id (public: it names the token's Secret) and its secret. */
const BOOTSTRAP_TOKEN = /\b([a-z0-9]{6})\.[a-z0-9]{16}\b/g;
/** What a scrubbed bundle's kubeadm configuration has where a token's secret was. */
export const SCRUBBED_TOKEN_SECRET = 'scrubbed';
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const CRI_SOCKET = /^unix:\/\/\/.+/;

const base64url = string({ pattern: BASE64URL, expected: 'base64url digits' });

/** A file as PEM, or an RSA private key as its primes, from which the agent rebuilds the exact PEM. */
const pkiFile = object({
  path: oneOf(BUNDLED_PKI_FILES),
  content: pemBlock.secret().orAbsent(),
  /** The primes and public exponent, base64url big-endian as JWK spells them (core/rsa-key.ts). */
  rsaPrimes: object({ p: base64url, q: base64url, e: base64url }).secret().orAbsent(),
}).check((file, at) => {
  if ((file.content === undefined) === (file.rsaPrimes === undefined))
    return 'needs exactly one of content (PEM) or rsaPrimes';
  if (file.rsaPrimes && !isPrivateKeyFile(file.path))
    return at.child('rsaPrimes').fail(`only a private key travels as primes, not ${file.path}`);
  return undefined;
});

const addonRef = object({
  /** Template name under templates/ (e.g. `flannel`). */
  name: string({ pattern: DNS_1123_LABEL, expected: 'a template name' }),
  version: string(),
  /** sha256 of the template file as shipped, checked before use. */
  sha256: sha256Hex(),
  /** Values substituted into the template (e.g. the pod CIDR). */
  parameters: map(string()).default({}),
  /** The template text, only when the machine image does not carry it. */
  manifest: string().orAbsent(),
});

/** A control plane of a cluster whose endpoint is an address kube-vip holds. */
const kubeVip = object({
  /** The address: the host of cluster.controlPlaneEndpoint. */
  address: ipAddress,
  /** Where kube-vip puts it; absent: the interface of the node's default route. */
  interface: interfaceName.orAbsent(),
  /** The static pod, for /etc/kubernetes/manifests/kube-vip.yaml. */
  manifest: string(),
});

export const nodeBundle = object({
  apiVersion: oneOf([BUNDLE_API_VERSION]),
  kind: oneOf([BUNDLE_KIND]),
  /**
   * Set by the agent once the node is bootstrapped, when it rewrites the bundle without
   * its secrets (scrubBundle): no PKI files, no bootstrap token secret. Enough for
   * `status` and the phases that need no secret; kubeadm and pki need a fresh bundle.
   */
  scrubbedAt: string({ pattern: UTC_TIME, expected: 'an RFC 3339 UTC time' }).orAbsent(),
  cluster: object({
    name: dnsLabel,
    kubernetesVersion: string({ pattern: K8S_VERSION, expected: 'MAJOR.MINOR.PATCH' }),
    /** host:port every node reaches the API server at. */
    controlPlaneEndpoint: string({
      pattern: { test: (text) => parseHostPort(text) !== undefined },
      expected: 'host:port',
    }),
    /** The cluster CA certificate (public): joins verify the API server with it before kubeadm runs. */
    caCertificate: pemCertificate,
    caCertHash: sha256Digest,
    hasWorkers: boolean(),
  }),
  node: object({
    name: dnsLabel,
    role: oneOf(BOOTSTRAP_ROLES),
    arch: oneOf(ARCHES),
    address: ipAddress.orAbsent(),
    /** Pods cannot reach the cloud metadata service (the agent's metadata-guard phase). */
    metadataGuard: boolean().default(true),
  }),
  kubeadm: object({
    /** Rendered kubeadm configuration documents for `kubeadm init|join --config`. */
    config: string().secret(),
  }),
  pki: list(pkiFile).default([]),
  runtime: object({
    criSocket: string({ pattern: CRI_SOCKET, expected: 'unix:///path' }),
    sandboxImage: string(),
    registryMirrors: list(registryMirror).default([]),
  }),
  images: object({
    archives: list(archiveRef).default([]),
    /** Images outside kubeadm's own list that must be present before kubeadm runs (add-ons). */
    required: list(string()).default([]),
  }).default({}),
  addons: list(addonRef).default([]),
  kubeVip: kubeVip.orAbsent(),
  /** Control planes: their certificate-renewal slot among the control planes, and etcd snapshots (absent: off). */
  maintenance: object({
    renewalSlot: integer({ min: 0, max: 1000 }),
    etcdSnapshots: object({
      everyHours: integer({ min: 1, max: 8760 }),
      keep: integer({ min: 1, max: 1000 }),
    }).orAbsent(),
  }).orAbsent(),
  /** Absent in bundles from before stock images: those machines were prepared. */
  install: installSettings.default({ machineImage: 'prepared' }),
});

export type NodeBundle = Infer<typeof nodeBundle>;
export type PkiFile = NodeBundle['pki'][number];
export type AddonRef = NodeBundle['addons'][number];
export type KubeVip = NonNullable<NodeBundle['kubeVip']>;
export type { ArchiveRef as ImageArchive } from './archive-ref.ts';
export type { RegistryMirror } from './registry-mirror.ts';

function pemOf(file: PkiFile): string {
  return file.content ?? expandRsaKey(file.rsaPrimes!);
}

function publicKeyOf(file: PkiFile | string): Buffer | undefined {
  try {
    return createPublicKey(typeof file === 'string' ? file : pemOf(file)).export({ type: 'spki', format: 'der' });
  } catch {
    return undefined;
  }
}

type Report = (path: readonly PathSegment[], message: string) => void;

/**
 * Keys must parse and match their certificates: kubeadm would otherwise make new CAs and
 * split the cluster. A key rebuilt from corrupted primes is a different key, caught here.
 */
function checkKeys(bundle: NodeBundle, report: Report): void {
  const byPath = new Map(bundle.pki.map((file) => [file.path, file]));
  const certificateAt = (path: BundledPkiFile) => byPath.get(path)?.content;
  const pairs: Array<[BundledPkiFile, string | undefined]> = [
    ['ca.key', bundle.cluster.caCertificate],
    ['front-proxy-ca.key', certificateAt('front-proxy-ca.crt')],
    ['etcd/ca.key', certificateAt('etcd/ca.crt')],
    ['sa.key', undefined],
  ];
  for (const [keyPath, certificate] of pairs) {
    const key = byPath.get(keyPath);
    const fromKey = key === undefined ? undefined : publicKeyOf(key);
    if (fromKey === undefined) {
      report(['pki'], `${keyPath} is not a private key`);
    } else if (certificate !== undefined && !fromKey.equals(publicKeyOf(certificate) ?? Buffer.alloc(0))) {
      report(['pki'], `${keyPath} does not match its certificate`);
    }
  }
}

function checkPki(bundle: NodeBundle, report: Report): void {
  const { pki, node } = bundle;
  if (bundle.scrubbedAt !== undefined) {
    if (pki.length > 0) report(['pki'], 'a scrubbed bundle carries no PKI files');
    return;
  }
  if (node.role === 'worker') {
    if (pki.length > 0) report(['pki'], 'a worker bundle must not carry PKI files: workers never get a CA private key');
    return;
  }
  const missing = BUNDLED_PKI_FILES.filter((name) => !pki.some((file) => file.path === name));
  if (missing.length > 0) {
    report(['pki'], `a control-plane bundle needs ${BUNDLED_PKI_FILES.join(', ')}; missing: ${missing.join(', ')}`);
  } else if (pki.length !== BUNDLED_PKI_FILES.length) {
    report(['pki'], 'each shared PKI file must appear once');
  } else {
    checkKeys(bundle, report);
  }
}

const KIND_LINE = /^kind:[ \t]*(\S+)[ \t]*$/gm;

/**
 * The init node needs an InitConfiguration, the others a JoinConfiguration. The machine
 * also parses the YAML (before anything acts on it); the generator, which has just
 * rendered the documents from checked values, skips that for speed across many nodes.
 */
function checkKubeadmConfig(bundle: NodeBundle, report: Report, parseYaml: boolean): void {
  const { config } = bundle.kubeadm;
  const at = ['kubeadm', 'config'];
  if (bundle.scrubbedAt !== undefined && new RegExp(BOOTSTRAP_TOKEN.source).test(config)) {
    report(at, 'a scrubbed bundle carries no bootstrap token secret');
    return;
  }
  if (parseYaml) {
    const broken = parseAllDocuments(config).find((document) => 'errors' in document && document.errors.length > 0);
    // The first line only: the rest quotes the config, token included.
    if (broken) {
      report(at, `is not valid YAML: ${yamlProblems(broken.errors)[0]?.message}`);
      return;
    }
  }
  const kinds = [...config.matchAll(KIND_LINE)].map((match) => match[1]);
  const expected = bundle.node.role === 'init' ? 'InitConfiguration' : 'JoinConfiguration';
  if (!kinds.includes(expected)) report(at, `a ${bundle.node.role} node needs a ${expected} document`);
}

/**
 * kube-vip runs on control planes and holds the endpoint's own address; the machine also
 * reads its manifest as YAML before writing it where the kubelet runs whatever it finds.
 */
function checkKubeVip(bundle: NodeBundle, report: Report, parseYaml: boolean): void {
  const { kubeVip: vip, node, cluster } = bundle;
  if (vip === undefined) return;
  if (node.role === 'worker') {
    report(['kubeVip'], 'only control planes run kube-vip');
    return;
  }
  const endpoint = parseHostPort(cluster.controlPlaneEndpoint);
  if (endpoint?.host !== vip.address)
    report(
      ['kubeVip', 'address'],
      `must be the host of cluster.controlPlaneEndpoint (${cluster.controlPlaneEndpoint})`,
    );
  if (!parseYaml) return;
  const documents = parseAllDocuments(vip.manifest);
  const broken = documents.find((document) => 'errors' in document && document.errors.length > 0);
  if (broken) report(['kubeVip', 'manifest'], `is not valid YAML: ${yamlProblems(broken.errors)[0]?.message}`);
  else if (documents.length !== 1 || (documents[0]!.toJS() as { kind?: unknown } | null)?.kind !== 'Pod')
    report(['kubeVip', 'manifest'], 'must be one Pod');
}

/** Rules that span fields, on a bundle that matches its declaration. */
function checkBundle(bundle: NodeBundle, sink: ProblemSink, parseKubeadmConfig: boolean): void {
  const report: Report = (path, message) => sink.add(path, message);
  checkKubeadmConfig(bundle, report, parseKubeadmConfig);
  checkPki(bundle, report);
  if (bundle.node.role !== 'init' && bundle.addons.length > 0)
    report(['addons'], 'add-ons are installed by the init node only');
  checkKubeVip(bundle, report, parseKubeadmConfig);
}

/** The eight files kubeadm expects in /etc/kubernetes/pki, from a control-plane bundle. */
export function sharedPkiFiles(bundle: NodeBundle): Array<{ path: SharedPkiFile; content: string }> {
  if (bundle.pki.length === 0) return [];
  const content = new Map<SharedPkiFile, string>(bundle.pki.map((file) => [file.path, pemOf(file)]));
  content.set('ca.crt', bundle.cluster.caCertificate);
  content.set('sa.pub', createPublicKey(content.get('sa.key')!).export({ type: 'spki', format: 'pem' }).toString());
  return SHARED_PKI_FILES.map((path) => ({ path, content: content.get(path)! }));
}

function read(value: unknown, sink: ProblemSink, parseKubeadmConfig: boolean): NodeBundle {
  const bundle = readDocument(nodeBundle, value, sink);
  if (bundle) checkBundle(bundle, sink, parseKubeadmConfig);
  if (!bundle || sink.problems.length > 0) {
    const count = sink.problems.length;
    throw new KubeseedError(
      'invalid-bundle',
      `the node bundle is invalid (${count} problem${count === 1 ? '' : 's'})`,
      sink.problems,
    );
  }
  return bundle;
}

/** Validates a parsed bundle object; every problem is reported together. */
export function validateBundle(value: unknown, { parseKubeadmConfig = true } = {}): NodeBundle {
  return read(value, new ProblemSink(), parseKubeadmConfig);
}

/** Parses and validates bundle text; problems carry `file` and line:column when given a file. */
export function parseBundle(text: string, file?: string): NodeBundle {
  const source = readYaml(text, file);
  if (source.syntaxProblems) {
    throw new KubeseedError('invalid-bundle', 'the node bundle is not valid YAML', source.syntaxProblems);
  }
  return read(source.value, source.sink, true);
}

/**
 * The bundle without its secrets, for a bootstrapped node: no PKI files (kubeadm keeps its
 * own copies in /etc/kubernetes/pki), and every bootstrap token's secret replaced, its
 * public id kept. Everything else stays, for `status` and the phases that need no secret.
 */
export function scrubBundle(bundle: NodeBundle, at: Date): NodeBundle {
  if (bundle.scrubbedAt !== undefined) return bundle;
  return {
    ...bundle,
    scrubbedAt: at.toISOString(),
    kubeadm: { config: bundle.kubeadm.config.replace(BOOTSTRAP_TOKEN, `$1.${SCRUBBED_TOKEN_SECRET}`) },
    pki: [],
  };
}

/** Deterministic text: the same bundle always renders to the same bytes; never an invalid bundle. */
export function renderBundle(bundle: NodeBundle): string {
  return renderCheckedBundle(validateBundle(bundle, { parseKubeadmConfig: false }));
}

/**
 * The text of a bundle built from values already checked, in the schema's key order: the
 * generator's, assembled from a validated spec, thousands per fleet. Checking each again
 * cost as much as writing it; the machine parses and checks its bundle before acting on it,
 * and the generator's tests check that every bundle it writes reads back as itself.
 */
export function renderCheckedBundle(bundle: NodeBundle): string {
  return stringifyYaml(bundle, { blockQuote: 'literal' });
}
