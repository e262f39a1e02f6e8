// kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration: the json names and Go types of
// kubernetes/kube-proxy config/v1alpha1/types.go, identical at every tag v0.31.0 … v0.36.0.
// serviceProxyName and nftables.tableName, once listed here, are fields of no tag: kube-proxy
// would decode them leniently and drop them.
import { clientConnection, logging } from './component-base-schema.ts';
import { bool, duration, int, listOf, mapOf, type ObjectShape, object, str } from './schema.ts';
import { KUBE_PROXY_V1ALPHA1_TYPES as TYPES } from './upstream.ts';

export const KUBE_PROXY_CONFIGURATION: ObjectShape = object('KubeProxyConfiguration', TYPES, {
  featureGates: mapOf(bool()),
  clientConnection,
  logging,
  hostnameOverride: str(),
  bindAddress: str(),
  healthzBindAddress: str(),
  metricsBindAddress: str(),
  bindAddressHardFail: bool(),
  enableProfiling: bool(),
  showHiddenMetricsForVersion: str(),
  mode: str('', 'iptables', 'ipvs', 'nftables', 'kernelspace'),
  iptables: object('KubeProxyIPTablesConfiguration', TYPES, {
    masqueradeBit: int(),
    masqueradeAll: bool(),
    localhostNodePorts: bool(),
    syncPeriod: duration(),
    minSyncPeriod: duration(),
  }),
  ipvs: object('KubeProxyIPVSConfiguration', TYPES, {
    syncPeriod: duration(),
    minSyncPeriod: duration(),
    scheduler: str(),
    excludeCIDRs: listOf(str()),
    strictARP: bool(),
    tcpTimeout: duration(),
    tcpFinTimeout: duration(),
    udpTimeout: duration(),
  }),
  nftables: object('KubeProxyNFTablesConfiguration', TYPES, {
    masqueradeBit: int(),
    masqueradeAll: bool(),
    syncPeriod: duration(),
    minSyncPeriod: duration(),
  }),
  winkernel: object('KubeProxyWinkernelConfiguration', TYPES, {
    networkName: str(),
    sourceVip: str(),
    enableDSR: bool(),
    rootHnsEndpointName: str(),
    forwardHealthCheckVip: bool(),
  }),
  detectLocalMode: str('', 'ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix'),
  detectLocal: object('DetectLocalConfiguration', TYPES, { bridgeInterface: str(), interfaceNamePrefix: str() }),
  clusterCIDR: str(),
  nodePortAddresses: listOf(str()),
  oomScoreAdj: int(),
  conntrack: object('KubeProxyConntrackConfiguration', TYPES, {
    maxPerCore: int(),
    min: int(),
    tcpEstablishedTimeout: duration(),
    tcpCloseWaitTimeout: duration(),
    tcpBeLiberal: bool(),
    udpTimeout: duration(),
    udpStreamTimeout: duration(),
  }),
  configSyncPeriod: duration(),
  portRange: str(),
  windowsRunAsService: bool(),
});
