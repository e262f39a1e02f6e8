// The documents of a kubeadm --config file, field by field, and the check every rendered
// document passes. kubeadm's types are written from kubernetes/kubernetes
// cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go (json tags; embedded structs flattened) and
// cmd/kubeadm/app/apis/bootstraptoken/v1/types.go. UpgradeConfiguration is not described:
// nothing here renders it. ECDSA-P384 is kubeadm 1.34+; the spec loader enforces that.
import { KUBEADM_API_VERSION, KUBELET_API_VERSION, KUBE_PROXY_API_VERSION } from './api-versions.ts';
import { envVar, hostPathType, pullPolicy, taints } from './core-v1-schema.ts';
import { KUBELET_CONFIGURATION } from './kubelet-config-schema.ts';
import { KUBE_PROXY_CONFIGURATION } from './kube-proxy-config-schema.ts';
import { bool, checkValue, duration, int, listOf, mapOf, object, str, type Fields, type Shape } from './schema.ts';

const strings = listOf(str());

/** Arg: v1beta4's list form of extra flags, which allows duplicates. */
const args = listOf(object({ name: str(), value: str() }));

const controlPlaneComponent: Fields = {
  extraArgs: args,
  extraVolumes: listOf(
    object({ name: str(), hostPath: str(), mountPath: str(), readOnly: bool(), pathType: hostPathType }),
  ),
  extraEnvs: listOf(envVar),
};

const imageMeta: Fields = { imageRepository: str(), imageTag: str() };

const apiEndpoint = object({ advertiseAddress: str(), bindPort: int() });

const nodeRegistration = object({
  name: str(),
  criSocket: str(),
  taints,
  kubeletExtraArgs: args,
  ignorePreflightErrors: strings,
  imagePullPolicy: pullPolicy,
  imagePullSerial: bool(),
});

const bootstrapToken = object({
  token: str({ pattern: /^[a-z0-9]{6}\.[a-z0-9]{16}$/ }),
  description: str(),
  ttl: duration(),
  expires: str(),
  usages: listOf(str({ oneOf: ['signing', 'authentication'] })),
  groups: strings,
});

const patches = object({ directory: str() });

const timeouts = object({
  controlPlaneComponentHealthCheck: duration(),
  kubeletHealthCheck: duration(),
  kubernetesAPICall: duration(),
  etcdAPICall: duration(),
  tlsBootstrap: duration(),
  discovery: duration(),
  upgradeManifests: duration(),
});

const INIT_CONFIGURATION: Fields = {
  bootstrapTokens: listOf(bootstrapToken),
  dryRun: bool(),
  nodeRegistration,
  localAPIEndpoint: apiEndpoint,
  certificateKey: str(),
  skipPhases: strings,
  patches,
  timeouts,
};

const CLUSTER_CONFIGURATION: Fields = {
  etcd: object({
    local: object({
      ...imageMeta,
      dataDir: str(),
      extraArgs: args,
      extraEnvs: listOf(envVar),
      serverCertSANs: strings,
      peerCertSANs: strings,
    }),
    external: object({ endpoints: strings, caFile: str(), certFile: str(), keyFile: str() }),
  }),
  networking: object({ serviceSubnet: str(), podSubnet: str(), dnsDomain: str() }),
  kubernetesVersion: str(),
  controlPlaneEndpoint: str(),
  apiServer: object({ ...controlPlaneComponent, certSANs: strings }),
  controllerManager: object(controlPlaneComponent),
  scheduler: object(controlPlaneComponent),
  dns: object({ ...imageMeta, disabled: bool() }),
  proxy: object({ disabled: bool() }),
  certificatesDir: str(),
  imageRepository: str(),
  featureGates: mapOf(bool()),
  clusterName: str(),
  encryptionAlgorithm: str({ oneOf: ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384'] }),
  certificateValidityPeriod: duration(),
  caCertificateValidityPeriod: duration(),
};

const JOIN_CONFIGURATION: Fields = {
  dryRun: bool(),
  nodeRegistration,
  caCertPath: str(),
  discovery: object({
    bootstrapToken: object({
      token: str(),
      apiServerEndpoint: str(),
      caCertHashes: strings,
      unsafeSkipCAVerification: bool(),
    }),
    file: object({ kubeConfigPath: str() }),
    tlsBootstrapToken: str(),
  }),
  controlPlane: object({ localAPIEndpoint: apiEndpoint, certificateKey: str() }),
  skipPhases: strings,
  patches,
  timeouts,
};

const RESET_CONFIGURATION: Fields = {
  cleanupTmpDir: bool(),
  certificatesDir: str(),
  criSocket: str(),
  dryRun: bool(),
  force: bool(),
  ignorePreflightErrors: strings,
  skipPhases: strings,
  unmountFlags: strings,
  timeouts,
};

interface DocumentType {
  apiVersion: string;
  kind: string;
  fields: Fields;
}

const DOCUMENT_TYPES: readonly DocumentType[] = [
  { apiVersion: KUBEADM_API_VERSION, kind: 'InitConfiguration', fields: INIT_CONFIGURATION },
  { apiVersion: KUBEADM_API_VERSION, kind: 'ClusterConfiguration', fields: CLUSTER_CONFIGURATION },
  { apiVersion: KUBEADM_API_VERSION, kind: 'JoinConfiguration', fields: JOIN_CONFIGURATION },
  { apiVersion: KUBEADM_API_VERSION, kind: 'ResetConfiguration', fields: RESET_CONFIGURATION },
  { apiVersion: KUBELET_API_VERSION, kind: 'KubeletConfiguration', fields: KUBELET_CONFIGURATION },
  { apiVersion: KUBE_PROXY_API_VERSION, kind: 'KubeProxyConfiguration', fields: KUBE_PROXY_CONFIGURATION },
];

/**
 * Problems in one parsed config document, each `Kind.path: message`
 * (e.g. `InitConfiguration.nodeRegistration.kubeletExtraArgs[0].nme: unknown field`); empty when it fits.
 */
export function checkDocument(doc: unknown): string[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['(document): expected a mapping'];
  const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return ['(document): apiVersion and kind must be strings'];
  const type = DOCUMENT_TYPES.find((candidate) => candidate.apiVersion === apiVersion && candidate.kind === kind);
  if (!type) return [`${kind}: unknown document type ${apiVersion} ${kind}`];
  const shape: Shape = object({ apiVersion: str(), kind: str(), ...type.fields });
  return checkValue(doc, shape, kind);
}
