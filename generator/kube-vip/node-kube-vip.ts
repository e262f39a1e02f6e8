// What one control plane's bundle carries for kube-vip: the address, the interface kube-vip
// puts it on, and its static pod, with the kubeconfig that node has when kube-vip starts.
import type { KubeVip } from '../../core/node-bundle.ts';
import { KUBE_VIP_IMAGE } from '../../images/kube-vip-image.ts';
import type { ClusterSpec, NodeSpec } from '../spec/types.ts';
import { renderKubeVipManifest } from './static-pod.ts';

/** The cluster's interface, else the one the node's own address is configured on. */
export function kubeVipInterface(spec: ClusterSpec, node: NodeSpec): string | undefined {
  return spec.controlPlaneVip?.interface ?? node.network?.interface;
}

export function nodeKubeVip(spec: ClusterSpec, node: NodeSpec): KubeVip | undefined {
  const vip = spec.controlPlaneVip;
  if (vip === undefined || node.role !== 'control-plane') return undefined;
  const name = kubeVipInterface(spec, node);
  const manifest = renderKubeVipManifest({
    address: vip.address,
    ...(name === undefined ? {} : { interface: name }),
    role: node.bootstrap === 'init' ? 'init' : 'join',
    image: KUBE_VIP_IMAGE,
  });
  return { address: vip.address, ...(name === undefined ? {} : { interface: name }), manifest };
}
