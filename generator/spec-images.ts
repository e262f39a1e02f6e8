// Every image a cluster spec's machines need: `kubeseed images list|archive -f cluster.yaml`
// asks for what the spec says (version, kubeadm's image repository, pod network, and
// kube-vip when the endpoint is an address kubeseed manages), not for flags a user must
// keep in step with it.
import { imageList } from '../images/image-list.ts';
import type { ClusterSpec } from './spec/types.ts';

export function specImages(spec: ClusterSpec): string[] {
  return imageList({
    kubernetesVersion: spec.kubernetesVersion,
    ...(spec.imageRepository === undefined ? {} : { imageRepository: spec.imageRepository }),
    podNetwork: spec.podNetwork,
    kubeVip: spec.controlPlaneVip !== undefined,
  });
}
