// The checks kubeadm's validation (cmd/kubeadm/app/apis/kubeadm/validation/validation.go,
// 1.31 line @ 00d24de6, with the 1.32–1.36 changes the release notes name) applies to a
// decoded configuration, after the strict decode. Messages follow Kubernetes field errors
// (`path: Invalid value: "x": why`), which is how kubeadm prints them. Where this stand-in is
// stricter than kubeadm, the check says so: kubeadm would carry on with a warning and a
// setting silently different from what was rendered.
import { isIP } from 'node:net';
import { BOOTSTRAP_TOKEN } from '../../../generator/kubeadm/schema.ts';

// biome-ignore lint/suspicious/noExplicitAny: decoded documents are walked by field name after the schema check
export type Doc = Record<string, any>;

export type FieldErrors = string[];

const invalid = (path: string, value: unknown, detail: string) => `${path}: Invalid value: ${quote(value)}: ${detail}`;
const required = (path: string, detail: string) => `${path}: Required value: ${detail}`;
const forbidden = (path: string, detail: string) => `${path}: Forbidden: ${detail}`;

function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** RFC 1123 subdomain, as k8s.io/apimachinery validation.IsDNS1123Subdomain. */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_SUBDOMAIN = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOKEN_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;
const KNOWN_USAGES = ['signing', 'authentication'];
const CERTIFICATE_KEY = /^[0-9a-fA-F]{64}$/;
/** pubkeypin: "<format>:<value>", format sha256 (any case), value the hex of 32 bytes. */
const CA_CERT_HASH = /^sha256:[0-9a-fA-F]{64}$/i;
/** constants.go: MinimumAddressesInServiceSubnet, MaximumBitsForServiceSubnet, MinimumAddressesInPodSubnet, PodSubnetNodeMaskMaxDiff. */
const MIN_SERVICE_ADDRESSES = 10;
const MAX_SERVICE_HOST_BITS = 20;
const MIN_POD_ADDRESSES = 14;
const POD_NODE_MASK_MAX_DIFF = 16;
const DEFAULT_NODE_MASK = { 4: 24, 6: 64 } as const;

function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

function isValidPort(port: unknown): boolean {
  return Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535;
}

/** net.SplitHostPort, then kubeadm's ParsePort: host:port with a port, IPv6 in brackets. */
export function splitHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(value);
  if (!match) return undefined;
  const host = match[1] ?? match[2] ?? '';
  if (match[1] !== undefined && isIP(match[1]) !== 6) return undefined;
  const port = Number(match[3]);
  return isValidPort(port) ? { host, port } : undefined;
}

interface Cidr {
  family: 4 | 6;
  prefix: number;
}

function parseCidr(text: string): Cidr | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const family = isIP(match[1]!);
  const prefix = Number(match[2]);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return undefined;
  return { family: family === 4 ? 4 : 6, prefix };
}

/** ValidateIPNetFromString: one CIDR, or two of different families (dual-stack). */
function checkSubnets(path: string, value: string, check: (cidr: Cidr, text: string) => string[]): FieldErrors {
  const parts = value.split(',');
  const parsed = parts.map(parseCidr);
  const bad = parts.findIndex((_, index) => parsed[index] === undefined);
  if (bad >= 0) return [invalid(path, value, `couldn't parse subnet ${JSON.stringify(parts[bad])}`)];
  const cidrs = parsed as Cidr[];
  if (cidrs.length > 2 || (cidrs.length === 2 && cidrs[0]!.family === cidrs[1]!.family))
    return [invalid(path, value, 'expected one subnet, or one IPv4 and one IPv6 subnet (dual-stack)')];
  return cidrs.flatMap((cidr, index) => check(cidr, parts[index]!));
}

function addresses(cidr: Cidr): number {
  return 2 ** Math.min((cidr.family === 4 ? 32 : 128) - cidr.prefix, 52);
}

function checkServiceSubnet(value: string): FieldErrors {
  const path = 'networking.serviceSubnet';
  return checkSubnets(path, value, (cidr, text) => {
    const hostBits = (cidr.family === 4 ? 32 : 128) - cidr.prefix;
    if (addresses(cidr) < MIN_SERVICE_ADDRESSES)
      return [invalid(path, text, `the service subnet must have at least ${MIN_SERVICE_ADDRESSES} addresses`)];
    if (hostBits > MAX_SERVICE_HOST_BITS)
      return [invalid(path, text, `the service subnet is too large: at most ${MAX_SERVICE_HOST_BITS} host bits`)];
    return [];
  });
}

function extraArg(component: Doc | undefined, name: string): string | undefined {
  const args: Doc[] = component?.extraArgs ?? [];
  return args.find((arg) => arg.name === name)?.value;
}

function checkPodSubnet(value: string, controllerManager: Doc | undefined): FieldErrors {
  const path = 'networking.podSubnet';
  const allocates = extraArg(controllerManager, 'allocate-node-cidrs') !== 'false';
  return checkSubnets(path, value, (cidr, text) => {
    if (addresses(cidr) < MIN_POD_ADDRESSES)
      return [invalid(path, text, `the pod subnet must have at least ${MIN_POD_ADDRESSES} addresses`)];
    if (!allocates) return [];
    const override = extraArg(controllerManager, `node-cidr-mask-size-ipv${cidr.family}`);
    const nodeMask = override === undefined ? DEFAULT_NODE_MASK[cidr.family] : Number(override);
    if (nodeMask < cidr.prefix)
      return [invalid(path, text, `the node CIDR mask /${nodeMask} must not be larger than the pod subnet`)];
    if (nodeMask - cidr.prefix > POD_NODE_MASK_MAX_DIFF)
      return [
        invalid(
          path,
          text,
          `the pod subnet /${cidr.prefix} and node mask /${nodeMask} differ by more than ${POD_NODE_MASK_MAX_DIFF} bits`,
        ),
      ];
    return [];
  });
}

function checkArgs(path: string, args: Doc[] | undefined): FieldErrors {
  return (args ?? []).flatMap((arg, index) =>
    arg.name ? [] : [required(`${path}[${index}].name`, 'argument has no name')],
  );
}

function checkAbsolute(path: string, value: unknown): FieldErrors {
  return typeof value === 'string' && !value.startsWith('/') ? [invalid(path, value, 'must be an absolute path')] : [];
}

function checkCriSocket(path: string, value: unknown): FieldErrors {
  if (value === undefined) return [];
  if (typeof value !== 'string' || !/^unix:\/\/\/./.test(value))
    return [
      invalid(
        path,
        value,
        'the CRI socket must be a URL with the unix scheme, e.g. unix:///run/containerd/containerd.sock',
      ),
    ];
  return [];
}

function checkNodeRegistration(registration: Doc | undefined, path: string): FieldErrors {
  if (registration === undefined) return [];
  const errors: FieldErrors = [];
  // kubeadm defaults the name to the hostname; one that is set must be a DNS subdomain.
  if (registration.name !== undefined && !isDnsSubdomain(registration.name))
    errors.push(invalid(`${path}.name`, registration.name, 'a node name must be a lowercase RFC 1123 subdomain'));
  errors.push(...checkCriSocket(`${path}.criSocket`, registration.criSocket));
  errors.push(...checkArgs(`${path}.kubeletExtraArgs`, registration.kubeletExtraArgs));
  return errors;
}

function checkApiEndpoint(endpoint: Doc | undefined, path: string): FieldErrors {
  if (endpoint === undefined) return [];
  const errors: FieldErrors = [];
  if (endpoint.advertiseAddress !== undefined && isIP(endpoint.advertiseAddress) === 0)
    errors.push(invalid(`${path}.advertiseAddress`, endpoint.advertiseAddress, 'must be a valid IP address'));
  if (endpoint.bindPort !== undefined && endpoint.bindPort !== 0 && !isValidPort(endpoint.bindPort))
    errors.push(invalid(`${path}.bindPort`, endpoint.bindPort, 'must be a port between 1 and 65535'));
  return errors;
}

function checkCertificateKey(path: string, value: unknown): FieldErrors {
  if (value === undefined || value === '') return [];
  return typeof value === 'string' && CERTIFICATE_KEY.test(value)
    ? []
    : [invalid(path, '(hidden)', 'the certificate key must be the hex encoding of 32 bytes')];
}

/** The token secret never appears in a message: it would reach a log. */
function checkToken(path: string, value: unknown): FieldErrors {
  return typeof value === 'string' && BOOTSTRAP_TOKEN.test(value)
    ? []
    : [invalid(path, '(hidden)', 'the bootstrap token must be of the form [a-z0-9]{6}.[a-z0-9]{16}')];
}

function checkBootstrapTokens(tokens: Doc[] | undefined): FieldErrors {
  return (tokens ?? []).flatMap((token, index) => {
    const path = `bootstrapTokens[${index}]`;
    const errors: FieldErrors = [];
    // A token left out is generated by kubeadm; the strict decode checked the format of one given.
    const usages: string[] = token.usages ?? [];
    for (const usage of usages)
      if (!KNOWN_USAGES.includes(usage))
        errors.push(invalid(`${path}.usages`, usage, `must be one of ${KNOWN_USAGES.join(', ')}`));
    const groups: string[] = token.groups ?? [];
    if (groups.length > 0 && !usages.includes('authentication'))
      errors.push(invalid(`${path}.groups`, groups.join(','), 'token groups require the authentication usage'));
    for (const group of groups)
      if (!TOKEN_GROUP.test(group)) errors.push(invalid(`${path}.groups`, group, `must match ${TOKEN_GROUP.source}`));
    if (token.ttl !== undefined && token.expires !== undefined)
      errors.push(forbidden(`${path}.expires`, 'ttl and expires are mutually exclusive'));
    return errors;
  });
}

export function validateInitConfiguration(init: Doc): FieldErrors {
  return [
    ...checkNodeRegistration(init.nodeRegistration, 'nodeRegistration'),
    ...checkBootstrapTokens(init.bootstrapTokens),
    ...checkApiEndpoint(init.localAPIEndpoint, 'localAPIEndpoint'),
    ...checkCertificateKey('certificateKey', init.certificateKey),
  ];
}

function checkSans(path: string, sans: string[] | undefined): FieldErrors {
  return (sans ?? []).flatMap((san) =>
    isIP(san) !== 0 || isDnsSubdomain(san) || WILDCARD_SUBDOMAIN.test(san)
      ? []
      : [invalid(path, san, 'must be a valid IP address or (wildcard) DNS name')],
  );
}

function checkEtcd(etcd: Doc | undefined): FieldErrors {
  if (etcd === undefined) return [];
  const errors: FieldErrors = [];
  if (etcd.local !== undefined && etcd.external !== undefined)
    errors.push(invalid('etcd', '', 'local and external are mutually exclusive'));
  if (etcd.local !== undefined) {
    errors.push(...checkAbsolute('etcd.local.dataDir', etcd.local.dataDir));
    errors.push(...checkArgs('etcd.local.extraArgs', etcd.local.extraArgs));
    errors.push(...checkSans('etcd.local.serverCertSANs', etcd.local.serverCertSANs));
    errors.push(...checkSans('etcd.local.peerCertSANs', etcd.local.peerCertSANs));
  }
  const external: Doc | undefined = etcd.external;
  if (external !== undefined) {
    if ((external.certFile === undefined) !== (external.keyFile === undefined))
      errors.push(invalid('etcd.external', '', 'certFile and keyFile must be set together'));
    if (external.certFile !== undefined && external.caFile === undefined)
      errors.push(required('etcd.external.caFile', 'a client certificate needs the CA file'));
    for (const name of ['caFile', 'certFile', 'keyFile'])
      errors.push(...checkAbsolute(`etcd.external.${name}`, external[name]));
    const tls = external.caFile !== undefined || external.certFile !== undefined;
    for (const endpoint of (external.endpoints ?? []) as string[]) {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\/./i.exec(endpoint)?.[1];
      if (scheme === undefined) errors.push(invalid('etcd.external.endpoints', endpoint, 'must be a URL'));
      else if (tls && scheme !== 'https')
        errors.push(invalid('etcd.external.endpoints', endpoint, 'must use https when TLS files are set'));
    }
  }
  return errors;
}

export function validateClusterConfiguration(cluster: Doc): FieldErrors {
  const errors: FieldErrors = [];
  const networking: Doc = cluster.networking ?? {};
  if (networking.dnsDomain !== undefined && !isDnsSubdomain(networking.dnsDomain))
    errors.push(invalid('networking.dnsDomain', networking.dnsDomain, 'must be a lowercase RFC 1123 subdomain'));
  if (networking.serviceSubnet) errors.push(...checkServiceSubnet(networking.serviceSubnet));
  if (networking.podSubnet) errors.push(...checkPodSubnet(networking.podSubnet, cluster.controllerManager));
  errors.push(...checkSans('apiServer.certSANs', cluster.apiServer?.certSANs));
  for (const component of ['apiServer', 'controllerManager', 'scheduler'])
    errors.push(...checkArgs(`${component}.extraArgs`, cluster[component]?.extraArgs));
  errors.push(...checkAbsolute('certificatesDir', cluster.certificatesDir));
  if (cluster.controlPlaneEndpoint !== undefined && cluster.controlPlaneEndpoint !== '') {
    const endpoint: string = cluster.controlPlaneEndpoint;
    const host = splitHostPort(endpoint)?.host ?? endpoint;
    if (!(isIP(host.replace(/^\[|\]$/g, '')) !== 0 || isDnsSubdomain(host)))
      errors.push(invalid('controlPlaneEndpoint', endpoint, 'must be host or host:port'));
  }
  errors.push(...checkEtcd(cluster.etcd));
  return errors;
}

function checkDiscovery(discovery: Doc | undefined): FieldErrors {
  // The strict decode already refused a discovery that is not a mapping.
  if (discovery === undefined || (discovery.bootstrapToken === undefined && discovery.file === undefined))
    return [required('discovery', 'bootstrapToken or file must be set')];
  if (discovery.bootstrapToken !== undefined && discovery.file !== undefined)
    return [invalid('discovery', '', 'bootstrapToken and file cannot both be set')];
  const errors: FieldErrors = [];
  const token: Doc | undefined = discovery.bootstrapToken;
  if (token !== undefined) {
    const path = 'discovery.bootstrapToken';
    if (!token.apiServerEndpoint) errors.push(required(`${path}.apiServerEndpoint`, 'the API server to discover'));
    else if (!splitHostPort(token.apiServerEndpoint))
      errors.push(invalid(`${path}.apiServerEndpoint`, token.apiServerEndpoint, 'must be host:port'));
    errors.push(...checkToken(`${path}.token`, token.token));
    const hashes: string[] = token.caCertHashes ?? [];
    if (hashes.length === 0 && token.unsafeSkipCAVerification !== true)
      errors.push(
        invalid(
          `${path}.caCertHashes`,
          '',
          'using token-based discovery without caCertHashes can be unsafe; set unsafeSkipCAVerification to continue',
        ),
      );
    // pubkeypin checks these when discovery runs; a join with a bad one never gets that far.
    for (const hash of hashes)
      if (!CA_CERT_HASH.test(hash))
        errors.push(invalid(`${path}.caCertHashes`, hash, 'expected "sha256:" and the hex of 32 bytes'));
  }
  if (discovery.file !== undefined) {
    const path = discovery.file.kubeConfigPath;
    if (typeof path !== 'string' || !(path.startsWith('/') || path.startsWith('https://')))
      errors.push(invalid('discovery.file.kubeConfigPath', path, 'must be a file path or an https:// URL'));
  }
  if (discovery.tlsBootstrapToken !== undefined)
    errors.push(...checkToken('discovery.tlsBootstrapToken', discovery.tlsBootstrapToken));
  return errors;
}

export function validateJoinConfiguration(join: Doc): FieldErrors {
  const errors = [
    ...checkDiscovery(join.discovery),
    ...checkNodeRegistration(join.nodeRegistration, 'nodeRegistration'),
  ];
  if (join.caCertPath !== undefined && !(join.caCertPath.startsWith('/') && join.caCertPath.endsWith('.crt')))
    errors.push(
      invalid('caCertPath', join.caCertPath, 'the ca certificate path must be an absolute path ending in .crt'),
    );
  if (join.controlPlane !== undefined) {
    errors.push(...checkApiEndpoint(join.controlPlane.localAPIEndpoint, 'controlPlane.localAPIEndpoint'));
    errors.push(...checkCertificateKey('controlPlane.certificateKey', join.controlPlane.certificateKey));
  }
  return errors;
}

/**
 * What kubeadm derives for the component configs from ClusterConfiguration and only warns
 * about when a given value differs ("The recommended value for … is …"): stricter here,
 * because a kube-proxy cluster CIDR other than the pod subnet misroutes pod traffic.
 */
export function validateComponentConsistency(cluster: Doc, components: Doc[]): FieldErrors {
  const errors: FieldErrors = [];
  const networking: Doc = cluster.networking ?? {};
  for (const doc of components) {
    if (
      doc.kind === 'KubeProxyConfiguration' &&
      doc.clusterCIDR !== undefined &&
      doc.clusterCIDR !== (networking.podSubnet ?? '')
    )
      errors.push(
        invalid(
          'KubeProxyConfiguration.clusterCIDR',
          doc.clusterCIDR,
          `must equal ClusterConfiguration networking.podSubnet ${quote(networking.podSubnet ?? '')}`,
        ),
      );
    if (
      doc.kind === 'KubeletConfiguration' &&
      doc.clusterDomain !== undefined &&
      doc.clusterDomain !== (networking.dnsDomain ?? 'cluster.local')
    )
      errors.push(
        invalid(
          'KubeletConfiguration.clusterDomain',
          doc.clusterDomain,
          `must equal ClusterConfiguration networking.dnsDomain ${quote(networking.dnsDomain ?? 'cluster.local')}`,
        ),
      );
  }
  return errors;
}
