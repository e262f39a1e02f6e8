// The node bundle: the one document the generator writes per machine and kubeseed-boot
// reads at first boot (/etc/kubeseed/node.yaml). The consumer owns the contract.
// parseBundle validates the whole document before anything acts on it, so an invalid
// bundle never half-applies.
import { createPublicKey } from 'node:crypto';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { ARCHES, type Arch } from './arch.ts';
import { KubeseedError } from './errors.ts';
import { Cursor, ProblemSink, yamlProblems } from './fields.ts';
import { expandRsaKey, type RsaPrimes } from './rsa-key.ts';

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

/** A file as PEM, or an RSA private key as its primes, from which the agent rebuilds the exact PEM. */
export type PkiFile =
  | { path: BundledPkiFile; content: string; rsaPrimes?: never }
  | { path: BundledPkiFile; rsaPrimes: RsaPrimes; content?: never };

export interface RegistryMirror {
  /** The registry being mirrored, as containerd names it under certs.d (e.g. `registry.k8s.io`). */
  host: string;
  /** Mirror URLs tried in order before the registry itself. */
  endpoints: string[];
  /** PEM CA certificate that signs the mirrors' TLS certificates. */
  caCertificate?: string;
  skipVerify?: boolean;
}

export interface ImageArchive {
  /** Absolute path of the archive on the machine (baked into the image). */
  path: string;
  sha256: string;
}

export interface AddonRef {
  /** Template name under templates/ (e.g. `flannel`). */
  name: string;
  version: string;
  /** sha256 of the template file as shipped, checked before use. */
  sha256: string;
  /** Values substituted into the template (e.g. the pod CIDR). */
  parameters: Record<string, string>;
  /** The template text, only when the machine image does not carry it. */
  manifest?: string;
}

export interface NodeBundle {
  apiVersion: typeof BUNDLE_API_VERSION;
  kind: typeof BUNDLE_KIND;
  cluster: {
    name: string;
    kubernetesVersion: string;
    /** host:port every node reaches the API server at. */
    controlPlaneEndpoint: string;
    /** The cluster CA certificate (public): joins verify the API server with it before kubeadm runs. */
    caCertificate: string;
    caCertHash: string;
    hasWorkers: boolean;
  };
  node: {
    name: string;
    role: BootstrapRole;
    arch: Arch;
    address?: string;
  };
  kubeadm: {
    /** Rendered kubeadm configuration documents for `kubeadm init|join --config`. */
    config: string;
  };
  pki: PkiFile[];
  runtime: {
    criSocket: string;
    sandboxImage: string;
    registryMirrors: RegistryMirror[];
  };
  images: {
    archives: ImageArchive[];
    /** Images outside kubeadm's own list that must be present before kubeadm runs (add-ons). */
    required: string[];
  };
  addons: AddonRef[];
}

const PEM_CERT = /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n?$/;
const PEM_ANY = /^-----BEGIN [A-Z ]+-----\n[\s\S]+\n-----END [A-Z ]+-----\n?$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const DNS_1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const K8S_VERSION = /^\d+\.\d+\.\d+$/;
const ABSOLUTE_PATH = /^\/[^\0]*$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function readRsaPrimes(cursor: Cursor): RsaPrimes | undefined {
  if (!cursor.mapping(['p', 'q', 'e'])) return undefined;
  const [p, q, e] = (['p', 'q', 'e'] as const).map((name) =>
    cursor.field(name).string({ pattern: BASE64URL, expected: 'base64url digits', secret: true }),
  );
  return p && q && e ? { p, q, e } : undefined;
}

function readPkiFile(item: Cursor): PkiFile | undefined {
  const path = item.field('path').oneOf(BUNDLED_PKI_FILES);
  const content = item.field('content');
  const rsaPrimes = item.field('rsaPrimes');
  if (content.present === rsaPrimes.present) return item.fail('needs exactly one of content (PEM) or rsaPrimes');
  if (content.present) {
    const pem = content.string({ pattern: PEM_ANY, expected: 'a PEM block', secret: true });
    return path && pem ? { path, content: pem } : undefined;
  }
  if (path && !isPrivateKeyFile(path)) return rsaPrimes.fail(`only a private key travels as primes, not ${path}`);
  const primes = readRsaPrimes(rsaPrimes);
  return path && primes ? { path, rsaPrimes: primes } : undefined;
}

function readPki(
  cursor: Cursor,
  role: BootstrapRole | undefined,
  caCertificate: string | undefined,
): PkiFile[] | undefined {
  const items = cursor.list({ required: false }) ?? [];
  const files: PkiFile[] = [];
  for (const item of items) {
    if (!item.mapping(['path', 'content', 'rsaPrimes'])) continue;
    const file = readPkiFile(item);
    if (file) files.push(file);
  }
  if (role === 'worker' && items.length > 0) {
    return cursor.fail('a worker bundle must not carry PKI files: workers never get a CA private key');
  }
  if (role !== undefined && role !== 'worker') {
    const missing = BUNDLED_PKI_FILES.filter((name) => !files.some((file) => file.path === name));
    if (missing.length > 0)
      return cursor.fail(
        `a control-plane bundle needs ${BUNDLED_PKI_FILES.join(', ')}; missing: ${missing.join(', ')}`,
      );
    if (files.length !== BUNDLED_PKI_FILES.length) return cursor.fail('each shared PKI file must appear once');
    checkKeys(cursor, files, caCertificate);
  }
  return files;
}

function pemOf(file: PkiFile): string {
  return file.content ?? expandRsaKey(file.rsaPrimes);
}

function publicKeyOf(file: PkiFile | string): Buffer | undefined {
  try {
    return createPublicKey(typeof file === 'string' ? file : pemOf(file)).export({ type: 'spki', format: 'der' });
  } catch {
    return undefined;
  }
}

/**
 * Keys must parse and match their certificates: kubeadm would otherwise make new CAs and
 * split the cluster. A key rebuilt from corrupted primes is a different key, caught here.
 */
function checkKeys(cursor: Cursor, files: readonly PkiFile[], caCertificate: string | undefined): void {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const certificateAt = (path: BundledPkiFile) => byPath.get(path)?.content;
  const pairs: Array<[BundledPkiFile, string | undefined]> = [
    ['ca.key', caCertificate],
    ['front-proxy-ca.key', certificateAt('front-proxy-ca.crt')],
    ['etcd/ca.key', certificateAt('etcd/ca.crt')],
    ['sa.key', undefined],
  ];
  for (const [keyPath, certificate] of pairs) {
    const key = byPath.get(keyPath);
    const fromKey = key === undefined ? undefined : publicKeyOf(key);
    if (fromKey === undefined) {
      cursor.fail(`${keyPath} is not a private key`);
    } else if (certificate !== undefined && !fromKey.equals(publicKeyOf(certificate) ?? Buffer.alloc(0))) {
      cursor.fail(`${keyPath} does not match its certificate`);
    }
  }
}

/** The eight files kubeadm expects in /etc/kubernetes/pki, from a control-plane bundle. */
export function sharedPkiFiles(bundle: NodeBundle): Array<{ path: SharedPkiFile; content: string }> {
  if (bundle.pki.length === 0) return [];
  const content = new Map<SharedPkiFile, string>(bundle.pki.map((file) => [file.path, pemOf(file)]));
  content.set('ca.crt', bundle.cluster.caCertificate);
  content.set('sa.pub', createPublicKey(content.get('sa.key')!).export({ type: 'spki', format: 'pem' }).toString());
  return SHARED_PKI_FILES.map((path) => ({ path, content: content.get(path)! }));
}

function readMirrors(cursor: Cursor): RegistryMirror[] {
  const mirrors: RegistryMirror[] = [];
  for (const item of cursor.list({ required: false }) ?? []) {
    if (!item.mapping(['host', 'endpoints', 'caCertificate', 'skipVerify'])) continue;
    const host = item.field('host').string({ pattern: /^[A-Za-z0-9._-]+(:\d+)?$/, expected: 'a registry host[:port]' });
    const endpoints = item.field('endpoints').stringList({ required: true });
    const caCertificate = item
      .field('caCertificate')
      .string({ required: false, pattern: PEM_CERT, expected: 'a PEM certificate' });
    const skipVerify = item.field('skipVerify').boolean({ required: false });
    endpoints?.forEach((endpoint, index) => {
      if (!/^https?:\/\/[^\s]+$/.test(endpoint)) item.field('endpoints').item(index).fail('must be an http(s) URL');
    });
    if (host && endpoints) {
      mirrors.push({
        host,
        endpoints,
        ...(caCertificate === undefined ? {} : { caCertificate }),
        ...(skipVerify === undefined ? {} : { skipVerify }),
      });
    }
  }
  return mirrors;
}

function readArchives(cursor: Cursor): ImageArchive[] {
  const archives: ImageArchive[] = [];
  for (const item of cursor.list({ required: false }) ?? []) {
    if (!item.mapping(['path', 'sha256'])) continue;
    const path = item.field('path').string({ pattern: ABSOLUTE_PATH, expected: 'an absolute path' });
    const sha256 = item.field('sha256').string({ pattern: SHA256_HEX, expected: '64 lowercase hex digits' });
    if (path && sha256) archives.push({ path, sha256 });
  }
  return archives;
}

function readAddons(cursor: Cursor, role: BootstrapRole | undefined): AddonRef[] {
  const addons: AddonRef[] = [];
  const items = cursor.list({ required: false }) ?? [];
  if (role !== undefined && role !== 'init' && items.length > 0) {
    cursor.fail('add-ons are installed by the init node only');
    return addons;
  }
  for (const item of items) {
    if (!item.mapping(['name', 'version', 'sha256', 'parameters', 'manifest'])) continue;
    const name = item.field('name').string({ pattern: DNS_1123, expected: 'a template name' });
    const version = item.field('version').string();
    const sha256 = item.field('sha256').string({ pattern: SHA256_HEX, expected: '64 lowercase hex digits' });
    const parameters = item.field('parameters').stringMap();
    const manifest = item.field('manifest').string({ required: false });
    if (name && version && sha256 && parameters) {
      addons.push({ name, version, sha256, parameters, ...(manifest === undefined ? {} : { manifest }) });
    }
  }
  return addons;
}

const KIND_LINE = /^kind:[ \t]*(\S+)[ \t]*$/gm;

/**
 * The init node needs an InitConfiguration, the others a JoinConfiguration. The machine
 * also parses the YAML (before anything acts on it); the generator, which has just
 * rendered the documents from checked values, skips that for speed across many nodes.
 */
function checkKubeadmConfig(cursor: Cursor, role: BootstrapRole | undefined, parseYaml: boolean): string | undefined {
  const config = cursor.string();
  if (config === undefined || role === undefined) return config;
  if (parseYaml) {
    const broken = parseAllDocuments(config).find((document) => 'errors' in document && document.errors.length > 0);
    // The first line only: the rest quotes the config, token included.
    if (broken) return cursor.fail(`is not valid YAML: ${yamlProblems(broken.errors)[0]?.message}`);
  }
  const kinds = [...config.matchAll(KIND_LINE)].map((match) => match[1]);
  const expected = role === 'init' ? 'InitConfiguration' : 'JoinConfiguration';
  if (!kinds.includes(expected)) return cursor.fail(`a ${role} node needs a ${expected} document`);
  return config;
}

/** Validates a parsed bundle object; every problem is reported together. */
export function validateBundle(value: unknown, { parseKubeadmConfig = true } = {}): NodeBundle {
  const sink = new ProblemSink();
  const root = Cursor.root(value, sink);
  if (root.mapping(['apiVersion', 'kind', 'cluster', 'node', 'kubeadm', 'pki', 'runtime', 'images', 'addons'])) {
    root.field('apiVersion').oneOf([BUNDLE_API_VERSION]);
    root.field('kind').oneOf([BUNDLE_KIND]);
  }
  const cluster = root.field('cluster');
  let caCertificate: string | undefined;
  if (
    cluster.mapping(['name', 'kubernetesVersion', 'controlPlaneEndpoint', 'caCertificate', 'caCertHash', 'hasWorkers'])
  ) {
    cluster.field('name').string({ pattern: DNS_1123, expected: 'a DNS-1123 label' });
    cluster.field('kubernetesVersion').string({ pattern: K8S_VERSION, expected: 'MAJOR.MINOR.PATCH' });
    cluster.field('controlPlaneEndpoint').string({ pattern: HOST_PORT, expected: 'host:port' });
    caCertificate = cluster.field('caCertificate').string({ pattern: PEM_CERT, expected: 'a PEM certificate' });
    cluster.field('caCertHash').string({ pattern: /^sha256:[0-9a-f]{64}$/, expected: 'sha256:<64 hex digits>' });
    cluster.field('hasWorkers').boolean();
  }
  const node = root.field('node');
  let role: BootstrapRole | undefined;
  if (node.mapping(['name', 'role', 'arch', 'address'])) {
    node.field('name').string({ pattern: DNS_1123, expected: 'a DNS-1123 label' });
    role = node.field('role').oneOf(BOOTSTRAP_ROLES);
    node.field('arch').oneOf(ARCHES);
    node.field('address').string({ required: false });
  }
  const kubeadm = root.field('kubeadm');
  if (kubeadm.mapping(['config'])) checkKubeadmConfig(kubeadm.field('config'), role, parseKubeadmConfig);
  readPki(root.field('pki'), role, caCertificate);
  const runtime = root.field('runtime');
  if (runtime.mapping(['criSocket', 'sandboxImage', 'registryMirrors'])) {
    runtime.field('criSocket').string({ pattern: /^unix:\/\/\/.+/, expected: 'unix:///path' });
    runtime.field('sandboxImage').string();
    readMirrors(runtime.field('registryMirrors'));
  }
  const images = root.field('images');
  if (images.mapping(['archives', 'required'], { required: false })) {
    readArchives(images.field('archives'));
    images.field('required').stringList();
  }
  readAddons(root.field('addons'), role);

  if (sink.problems.length > 0) {
    throw new KubeseedError(
      'invalid-bundle',
      `the node bundle is invalid (${sink.problems.length} problem${sink.problems.length === 1 ? '' : 's'})`,
      sink.problems,
    );
  }
  const bundle = value as NodeBundle;
  return {
    ...bundle,
    pki: bundle.pki ?? [],
    runtime: { ...bundle.runtime, registryMirrors: bundle.runtime.registryMirrors ?? [] },
    images: { archives: bundle.images?.archives ?? [], required: bundle.images?.required ?? [] },
    addons: bundle.addons ?? [],
  };
}

/** Parses and validates bundle text; YAML problems carry line:column. */
export function parseBundle(text: string): NodeBundle {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new KubeseedError('invalid-bundle', 'the node bundle is not valid YAML', yamlProblems(document.errors));
  }
  return validateBundle(document.toJS());
}

/** Deterministic text: the same bundle always renders to the same bytes; never an invalid bundle. */
export function renderBundle(bundle: NodeBundle): string {
  return stringify(validateBundle(bundle, { parseKubeadmConfig: false }), { lineWidth: 0, blockQuote: 'literal' });
}
