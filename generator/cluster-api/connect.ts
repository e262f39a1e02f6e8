// How kubeseed reaches a running cluster from the operator's machine: the spec's
// controlPlaneEndpoint, the state's cluster CA as the only trust, and an admin client
// certificate signed from that CA for this one run.
import { ADMIN_GROUP, ADMIN_USER, signShortLivedCredential } from '../pki/short-lived-credential.ts';
import { type ClusterSpec, formatEndpoint } from '../spec/types.ts';
import type { ClusterState } from '../state/store.ts';
import { ClusterApi } from './client.ts';

/** Long enough for a slow drain; short enough that a copied key is soon worthless. */
const RUN_CREDENTIAL_SECONDS = 2 * 3600;

export async function connectToCluster(
  spec: ClusterSpec,
  state: ClusterState,
  now: Date,
  options: { timeoutMs?: number } = {},
): Promise<ClusterApi> {
  const credential = await signShortLivedCredential({
    ca: state.pki.ca,
    caAlgorithm: state.algorithm,
    user: ADMIN_USER,
    groups: [ADMIN_GROUP],
    now,
    validitySeconds: RUN_CREDENTIAL_SECONDS,
  });
  return new ClusterApi(
    {
      server: `https://${formatEndpoint(spec.controlPlaneEndpoint)}`,
      caCert: state.pki.ca.cert,
      clientCert: credential.cert,
      clientKey: credential.key,
    },
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
}
