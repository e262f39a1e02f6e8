// `kubeseed kubeconfig`: a kubeconfig whose client certificate lives hours, not a year,
// signed from the state's cluster CA. For daily use instead of admin.conf: a leaked copy
// stops working by itself. Without --group it is an admin (kubeadm:cluster-admins).
import { X509Certificate } from 'node:crypto';
import { KubeseedError } from '../../core/errors.ts';
import { renderKubeconfig } from '../pki/kubeconfig.ts';
import { ADMIN_GROUP, ADMIN_USER, signShortLivedCredential } from '../pki/short-lived-credential.ts';
import { type ClusterSpec, formatEndpoint } from '../spec/types.ts';
import type { ClusterState } from '../state/store.ts';

export async function shortLivedKubeconfig(opts: {
  spec: ClusterSpec;
  state: ClusterState;
  now: Date;
  ttlSeconds: number;
  user?: string;
  groups?: readonly string[];
}): Promise<string> {
  const user = opts.user ?? ADMIN_USER;
  const groups = opts.groups && opts.groups.length > 0 ? opts.groups : [ADMIN_GROUP];
  if (user === '' || groups.some((group) => group === '')) {
    throw new KubeseedError('usage', '--user and --group need a non-empty name');
  }
  if (opts.ttlSeconds <= 0) throw new KubeseedError('usage', '--ttl must be longer than 0');
  const caEnds = Date.parse(new X509Certificate(opts.state.pki.ca.cert).validTo);
  const ends = opts.now.getTime() + opts.ttlSeconds * 1000;
  if (ends > caEnds) {
    throw new KubeseedError(
      'usage',
      `--ttl reaches past the cluster CA's end (${new Date(caEnds).toISOString()}); choose a shorter one`,
    );
  }
  const credential = await signShortLivedCredential({
    ca: opts.state.pki.ca,
    caAlgorithm: opts.state.algorithm,
    user,
    groups,
    now: opts.now,
    validitySeconds: opts.ttlSeconds,
  });
  return renderKubeconfig({
    clusterName: opts.spec.name,
    server: `https://${formatEndpoint(opts.spec.controlPlaneEndpoint)}`,
    caCert: opts.state.pki.ca.cert,
    userName: user,
    clientCert: credential.cert,
    clientKey: credential.key,
  });
}
