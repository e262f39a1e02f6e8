// kubeadm.k8s.io/v1beta4, the documents of a kubeadm --config file: json names and Go types
// of cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go and bootstraptoken/v1/types.go (embedded
// structs flattened). UpgradeConfiguration is not described: nothing here renders it.
// ExternalEtcd's HTTPEndpoints (1.35+, release-1.35 notes PR #134890) is left out until its
// json name is read in the source.
import { envVar, hostPathType, pullPolicy, taints } from './core-v1-schema.ts';
import { KUBEADM_FEATURE_GATES } from './feature-gates.ts';
import {
  bool,
  duration,
  type Fields,
  int,
  listOf,
  mapOf,
  type ObjectShape,
  object,
  str,
  time,
  token,
  versioned,
} from './schema.ts';
import { BOOTSTRAP_TOKEN_V1_TYPES, KUBEADM_V1BETA4_TYPES as TYPES } from './upstream.ts';

const strings = listOf(str());

/** Arg: v1beta4's list form of extra flags, which allows duplicates. */
const args = listOf(object('Arg', TYPES, { name: str(), value: str() }));

const controlPlaneComponent: Fields = {
  extraArgs: args,
  extraVolumes: listOf(
    object('HostPathMount', TYPES, {
      name: str(),
      hostPath: str(),
      mountPath: str(),
      readOnly: bool(),
      pathType: hostPathType,
    }),
  ),
  extraEnvs: listOf(envVar),
};

const imageMeta: Fields = { imageRepository: str(), imageTag: str() };

const apiEndpoint = object('APIEndpoint', TYPES, { advertiseAddress: str(), bindPort: int() });

const nodeRegistration = object('NodeRegistrationOptions', TYPES, {
  name: str(),
  criSocket: str(),
  taints,
  kubeletExtraArgs: args,
  ignorePreflightErrors: strings,
  imagePullPolicy: pullPolicy,
  imagePullSerial: bool(),
});

const bootstrapToken = object('BootstrapToken', BOOTSTRAP_TOKEN_V1_TYPES, {
  token: token(),
  description: str(),
  ttl: duration(),
  expires: time(),
  usages: strings,
  groups: strings,
});

const patches = object('Patches', TYPES, { directory: str() });

const timeouts = object('Timeouts', TYPES, {
  controlPlaneComponentHealthCheck: duration(),
  kubeletHealthCheck: duration(),
  kubernetesAPICall: duration(),
  etcdAPICall: duration(),
  tlsBootstrap: duration(),
  discovery: duration(),
  upgradeManifests: duration(),
});

export const INIT_CONFIGURATION: ObjectShape = object('InitConfiguration', TYPES, {
  bootstrapTokens: listOf(bootstrapToken),
  dryRun: bool(),
  nodeRegistration,
  localAPIEndpoint: apiEndpoint,
  certificateKey: str(),
  skipPhases: strings,
  patches,
  timeouts,
});

export const CLUSTER_CONFIGURATION: ObjectShape = object('ClusterConfiguration', TYPES, {
  etcd: object('Etcd', TYPES, {
    local: object('LocalEtcd', TYPES, {
      ...imageMeta,
      dataDir: str(),
      extraArgs: args,
      extraEnvs: listOf(envVar),
      serverCertSANs: strings,
      peerCertSANs: strings,
    }),
    external: object('ExternalEtcd', TYPES, { endpoints: strings, caFile: str(), certFile: str(), keyFile: str() }),
  }),
  networking: object('Networking', TYPES, { serviceSubnet: str(), podSubnet: str(), dnsDomain: str() }),
  kubernetesVersion: str(),
  controlPlaneEndpoint: str(),
  apiServer: object('APIServer', TYPES, { ...controlPlaneComponent, certSANs: strings }),
  controllerManager: object('ControlPlaneComponent', TYPES, controlPlaneComponent),
  scheduler: object('ControlPlaneComponent', TYPES, controlPlaneComponent),
  dns: object('DNS', TYPES, { ...imageMeta, disabled: bool() }),
  proxy: object('Proxy', TYPES, { disabled: bool() }),
  certificatesDir: str(),
  imageRepository: str(),
  featureGates: mapOf(bool(), KUBEADM_FEATURE_GATES),
  clusterName: str(),
  encryptionAlgorithm: str(
    'RSA-2048',
    'RSA-3072',
    'RSA-4096',
    'ECDSA-P256',
    versioned({ value: 'ECDSA-P384' }, { since: '1.34', evidence: 'release-1.34 notes PR #131677' }),
  ),
  certificateValidityPeriod: duration(),
  caCertificateValidityPeriod: duration(),
});

export const JOIN_CONFIGURATION: ObjectShape = object('JoinConfiguration', TYPES, {
  dryRun: bool(),
  nodeRegistration,
  caCertPath: str(),
  discovery: object('Discovery', TYPES, {
    bootstrapToken: object('BootstrapTokenDiscovery', TYPES, {
      token: str(),
      apiServerEndpoint: str(),
      caCertHashes: strings,
      unsafeSkipCAVerification: bool(),
    }),
    file: object('FileDiscovery', TYPES, { kubeConfigPath: str() }),
    tlsBootstrapToken: str(),
  }),
  controlPlane: object('JoinControlPlane', TYPES, { localAPIEndpoint: apiEndpoint, certificateKey: str() }),
  skipPhases: strings,
  patches,
  timeouts,
});

export const RESET_CONFIGURATION: ObjectShape = object('ResetConfiguration', TYPES, {
  cleanupTmpDir: bool(),
  certificatesDir: str(),
  criSocket: str(),
  dryRun: bool(),
  force: bool(),
  ignorePreflightErrors: strings,
  skipPhases: strings,
  unmountFlags: strings,
  timeouts,
});
