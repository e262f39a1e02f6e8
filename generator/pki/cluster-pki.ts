// Everything a cluster's trust rests on, made once by the generator: the three CAs and
// the service-account key pair kubeadm would otherwise create on the first control plane,
// and the admin credential kubeadm would put in admin.conf.
import type { KeyAlgorithm } from '../spec/types.ts';
import { generateKeyPair } from './algorithms.ts';
import { createCertificateAuthority } from './ca.ts';
import { createClientCertificate } from './client-cert.ts';
import { privateKeyPem, publicKeyPem } from './pem.ts';
import { ADMIN_GROUP, ADMIN_USER } from './short-lived-credential.ts';
import type { ClusterPki } from './types.ts';

export async function createClusterPki(opts: {
  algorithm: KeyAlgorithm;
  caValidityHours: number;
  certValidityHours: number;
  /** admin.conf's certificate; without it, certValidityHours. */
  adminValidityHours?: number;
  now: Date;
}): Promise<ClusterPki> {
  const ca = (commonName: string) =>
    createCertificateAuthority({
      commonName,
      algorithm: opts.algorithm,
      now: opts.now,
      validityHours: opts.caValidityHours,
    });
  // Key generation dominates (seconds for RSA-4096); it runs off the main thread, in parallel.
  const [clusterCa, frontProxyCa, etcdCa, serviceAccount, adminKeys] = await Promise.all([
    ca('kubernetes'),
    ca('front-proxy-ca'),
    ca('etcd-ca'),
    // kubeadm's "sa" key follows encryptionAlgorithm too (CreateServiceAccountKeyAndPublicKeyFiles).
    generateKeyPair(opts.algorithm),
    generateKeyPair(opts.algorithm),
  ]);
  const admin = createClientCertificate({
    ca: clusterCa,
    algorithm: opts.algorithm,
    keys: adminKeys,
    commonName: ADMIN_USER,
    organizations: [ADMIN_GROUP],
    now: opts.now,
    validityHours: opts.adminValidityHours ?? opts.certValidityHours,
  });
  return {
    ca: clusterCa.pem,
    frontProxyCa: frontProxyCa.pem,
    etcdCa: etcdCa.pem,
    serviceAccount: { key: privateKeyPem(serviceAccount.privateKey), pub: publicKeyPem(serviceAccount.publicKey) },
    admin,
  };
}
