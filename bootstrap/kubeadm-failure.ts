// kubeadm exits 1 for everything, so its stderr tells the failures apart:
// - a configuration kubeadm rejects fails the same way on every try: it ends the phase
//   with kubeadm's message. Besides decoding errors, kubeadm's validation reports
//   Kubernetes field errors (`networking.podSubnet: Invalid value: …`);
// - a join right after the API server came up may find the cluster not ready for it yet:
//   the bootstrap signer has not signed the cluster-info ConfigMap for the token, or
//   `kubeadm init` has not uploaded the kubeadm-config ConfigMap. That is seconds away
//   from working: another try within seconds, not after a long backoff;
// - anything else (an API server still starting, a port still held) is worth another try
//   after a capped, jittered backoff.

const CONFIG_ERRORS = [
  /unknown field/i,
  /error unmarshaling/i,
  /invalid configuration/i,
  /strict decoding error/i,
  /no kind "[^"]*" is registered/i,
  /^\S+: (Invalid value|Required value|Unsupported value|Forbidden|Duplicate value|Too long|Too many): /m,
  /only supports deploying clusters with the control plane version/,
];

const CLUSTER_NOT_READY = [
  // kubeadm's token discovery (cmd/kubeadm/app/discovery/token), current and older wording.
  /could not find a JWS signature in the cluster-info ConfigMap/i,
  /there is no JWS signed token in the cluster-info ConfigMap/i,
  // `configmaps "kubeadm-config" not found`, as the API server reports it to kubeadm.
  /configmaps? "(kubeadm-config|cluster-info)" not found/i,
];

export function isConfigError(stderr: string): boolean {
  return CONFIG_ERRORS.some((pattern) => pattern.test(stderr));
}

export function isClusterNotReady(stderr: string): boolean {
  return CLUSTER_NOT_READY.some((pattern) => pattern.test(stderr));
}
