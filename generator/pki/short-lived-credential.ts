// Client certificates signed on demand from the state's cluster CA: `kubeseed kubeconfig`
// hands them to people, and every API call kubeseed makes uses one that lives minutes,
// so no long-lived admin key has to stay valid for day-2 work. The key is always ECDSA
// P-256 (fast to make); the signature follows the CA's own algorithm.
import type { KeyAlgorithm } from '../spec/types.ts';
import { generateKeyPair } from './algorithms.ts';
import { createClientCertificate } from './client-cert.ts';
import { loadCertificateAuthority } from './stored-ca.ts';
import type { PemPair } from './types.ts';

export const ADMIN_USER = 'kubernetes-admin';
/** Bound to cluster-admin by kubeadm since 1.29 (not system:masters, so it can be revoked). */
export const ADMIN_GROUP = 'kubeadm:cluster-admins';

const CREDENTIAL_KEY_ALGORITHM: KeyAlgorithm = 'ECDSA-P256';

export async function signShortLivedCredential(opts: {
  ca: PemPair;
  caAlgorithm: KeyAlgorithm;
  user: string;
  groups: readonly string[];
  now: Date;
  validitySeconds: number;
}): Promise<PemPair> {
  const keys = await generateKeyPair(CREDENTIAL_KEY_ALGORITHM);
  return createClientCertificate({
    ca: loadCertificateAuthority(opts.ca, opts.caAlgorithm),
    algorithm: CREDENTIAL_KEY_ALGORITHM,
    keys,
    commonName: opts.user,
    organizations: [...opts.groups],
    now: opts.now,
    validityHours: opts.validitySeconds / 3600,
  });
}
