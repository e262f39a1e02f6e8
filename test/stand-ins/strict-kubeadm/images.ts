// `kubeadm config images list`: the images the installed kubeadm would pull for a config,
// in its order (cmd/kubeadm/app/images/images.go GetControlPlaneImages), with the etcd,
// CoreDNS and pause tags of that kubeadm release taken from the upstream facts
// (test/upstream-facts), never from kubeseed's own table.
import { upstreamImageTags } from '../../upstream-facts/kubeadm-images.ts';
import type { KubeadmVersion } from './config-file.ts';
import type { Doc } from './validate.ts';

const DEFAULT_REPOSITORY = 'registry.k8s.io';

export function imagesFor(cluster: Doc, kubeadm: KubeadmVersion): { images: string[] } | { error: string } {
  const tags = upstreamImageTags(kubeadm.text);
  if (!tags) return { error: `stand-in: no upstream image facts for kubeadm ${kubeadm.text}` };
  const version = `v${String(cluster.kubernetesVersion).replace(/^v/, '')}`;
  if (!version.startsWith(`v${kubeadm.minor}.`))
    return {
      error: `stand-in: the facts give kubeadm ${kubeadm.text}'s etcd tag for a ${kubeadm.minor} control plane only, not ${version}`,
    };
  const repository: string = cluster.imageRepository || DEFAULT_REPOSITORY;
  const images = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map(
    (name) => `${repository}/${name}:${version}`,
  );
  if (cluster.proxy?.disabled !== true) images.push(`${repository}/kube-proxy:${version}`);
  if (cluster.dns?.disabled !== true) {
    // kubeadm keeps CoreDNS's coredns/ path only on its default registry.
    const dnsRepository: string =
      cluster.dns?.imageRepository || (repository === DEFAULT_REPOSITORY ? `${repository}/coredns` : repository);
    images.push(`${dnsRepository}/coredns:${cluster.dns?.imageTag || tags.coreDNS}`);
  }
  images.push(`${repository}/pause:${tags.pause}`);
  if (cluster.etcd?.external === undefined) {
    const local: Doc = cluster.etcd?.local ?? {};
    images.push(`${local.imageRepository || repository}/etcd:${local.imageTag || tags.etcd}`);
  }
  return { images };
}
