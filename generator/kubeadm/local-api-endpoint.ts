// Where this control plane's own API server listens, as opposed to the cluster's shared
// controlPlaneEndpoint (a VIP or load balancer that may listen on another port).

/** kube-apiserver's secure port on every control plane. */
const API_SERVER_BIND_PORT = 6443;

export function localAPIEndpoint(address: string): { advertiseAddress: string; bindPort: number } {
  return { advertiseAddress: address, bindPort: API_SERVER_BIND_PORT };
}
