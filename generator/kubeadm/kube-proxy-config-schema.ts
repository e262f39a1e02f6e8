// kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration, written from kubernetes/kubernetes
// staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go, with component-base's
// ClientConnectionConfiguration (config/v1alpha1).
import { logging } from './component-base-schema.ts';
import { bool, duration, float, int, listOf, mapOf, object, str, type Fields } from './schema.ts';

export const KUBE_PROXY_CONFIGURATION: Fields = {
  featureGates: mapOf(bool()),
  clientConnection: object({
    kubeconfig: str(),
    acceptContentTypes: str(),
    contentType: str(),
    qps: float(),
    burst: int(),
  }),
  logging,
  hostnameOverride: str(),
  bindAddress: str(),
  healthzBindAddress: str(),
  metricsBindAddress: str(),
  bindAddressHardFail: bool(),
  enableProfiling: bool(),
  showHiddenMetricsForVersion: str(),
  serviceProxyName: str(),
  mode: str(),
  iptables: object({
    masqueradeBit: int(),
    masqueradeAll: bool(),
    localhostNodePorts: bool(),
    syncPeriod: duration(),
    minSyncPeriod: duration(),
  }),
  ipvs: object({
    syncPeriod: duration(),
    minSyncPeriod: duration(),
    scheduler: str(),
    excludeCIDRs: listOf(str()),
    strictARP: bool(),
    tcpTimeout: duration(),
    tcpFinTimeout: duration(),
    udpTimeout: duration(),
  }),
  nftables: object({
    masqueradeBit: int(),
    masqueradeAll: bool(),
    syncPeriod: duration(),
    minSyncPeriod: duration(),
    tableName: str(),
  }),
  winkernel: object({
    networkName: str(),
    sourceVip: str(),
    enableDSR: bool(),
    rootHnsEndpointName: str(),
    forwardHealthCheckVip: bool(),
  }),
  detectLocalMode: str(),
  detectLocal: object({ bridgeInterface: str(), interfaceNamePrefix: str() }),
  clusterCIDR: str(),
  nodePortAddresses: listOf(str()),
  oomScoreAdj: int(),
  conntrack: object({
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
};
