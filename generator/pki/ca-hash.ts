// kubeadm's discovery pin (pubkeypin.Hash): SHA-256 over the CA certificate's raw
// SubjectPublicKeyInfo, written `sha256:<lowercase hex>`.
import { createHash, X509Certificate } from 'node:crypto';
import { rawSubjectPublicKeyInfo } from './certificate-fields.ts';

export function caCertHash(caCertPem: string): string {
  const spki = rawSubjectPublicKeyInfo(new X509Certificate(caCertPem).raw);
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}
