// The kubelet and kube-proxy configs `kubeadm init` publishes cluster-wide (ConfigMaps
// kubelet-config and kube-proxy); joining nodes take theirs from there.
import type { ClusterSpec } from '../spec/types.ts';
import { KUBE_PROXY_API_VERSION, KUBELET_API_VERSION } from './api-versions.ts';

export function kubeletConfiguration(): Record<string, unknown> {
  // containerd is configured with SystemdCgroup; the kubelet must use the same driver.
  return { apiVersion: KUBELET_API_VERSION, kind: 'KubeletConfiguration', cgroupDriver: 'systemd' };
}

export function kubeProxyConfiguration(spec: ClusterSpec): Record<string, unknown> {
  return {
    apiVersion: KUBE_PROXY_API_VERSION,
    kind: 'KubeProxyConfiguration',
    clusterCIDR: spec.networking.podSubnets.join(','),
  };
}
