// The kube-vip image every control plane of a cluster with a kube-vip address runs as a
// static pod, pinned by release and by digest: the kubelet, containerd and the air-gap
// archive all fetch it by the digest, so a registry that served other bytes under the tag
// fails the pull instead of running them.
//
// Release: kube-vip/kube-vip v1.2.4 (2026-09). The mirror of kube-vip/kube-vip read for
// this (HEAD bee5cfe, 2026-08-21) ends at v1.2.3; v1.2.4 is named by kube-vip/helm-charts
// PR #113 ("update to v1.2.4", links the release tag) and carries the watch-error fix
// #1697 (services mode) on top. Between v1.2.3 and that HEAD nothing changes what the
// control-plane manifest sets or how kube-vip reaches its API server (cmd/, pkg/kubevip,
// pkg/manager diffed). Not v1.2.2: its explicit-kubeconfig branch sent static pods to the
// VIP instead of the local API server, breaking failover after a reboot (fixed in v1.2.3
// by #1658).
//
// Digest: the index (multi-arch) digest that two unrelated public deployments record for
// ghcr.io/kube-vip/kube-vip:v1.2.4 (one as the image of its kube-vip static pod, one as its
// PINNED_INDEX_DIGEST). No kube-vip source states it, and ghcr.io was not reachable from
// where this was written: `kubeseed images archive --kube-vip` resolves the image by this
// digest and verifies every byte, so the first archive built checks it.

export const KUBE_VIP_VERSION = 'v1.2.4';
export const KUBE_VIP_DIGEST = 'sha256:dde4c0669d9058c74c69c0bc2f0122e26900e1e4b913c03577cb6e4e28083079';
export const KUBE_VIP_IMAGE = `ghcr.io/kube-vip/kube-vip:${KUBE_VIP_VERSION}@${KUBE_VIP_DIGEST}`;
