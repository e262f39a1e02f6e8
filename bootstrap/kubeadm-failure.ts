// kubeadm exits 1 for everything. A configuration kubeadm rejects fails the same way on
// every try, so it ends the phase with kubeadm's message; anything else (an API server
// still starting, a port still held) is worth another try.

const CONFIG_ERRORS = [
  /unknown field/i,
  /error unmarshaling/i,
  /invalid configuration/i,
  /strict decoding error/i,
  /no kind "[^"]*" is registered/i,
];

export function isConfigError(stderr: string): boolean {
  return CONFIG_ERRORS.some((pattern) => pattern.test(stderr));
}
