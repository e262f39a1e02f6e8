// kubeadm exits 1 for everything. A configuration kubeadm rejects fails the same way on
// every try, so it ends the phase with kubeadm's message; anything else (an API server
// still starting, a port still held) is worth another try. Besides decoding errors, kubeadm's
// validation reports Kubernetes field errors (`networking.podSubnet: Invalid value: …`).

const CONFIG_ERRORS = [
  /unknown field/i,
  /error unmarshaling/i,
  /invalid configuration/i,
  /strict decoding error/i,
  /no kind "[^"]*" is registered/i,
  /^\S+: (Invalid value|Required value|Unsupported value|Forbidden|Duplicate value|Too long|Too many): /m,
  /only supports deploying clusters with the control plane version/,
];

export function isConfigError(stderr: string): boolean {
  return CONFIG_ERRORS.some((pattern) => pattern.test(stderr));
}
