// Key identifiers by RFC 5280 §4.2.1.2 method (1), the method Go's crypto/x509 used when
// it filled in the SubjectKeyId of kubeadm's CAs: SHA-1 of the subjectPublicKey bits.
import { createHash } from 'node:crypto';
import { subjectPublicKeyBits } from './certificate-fields.ts';

export function keyIdentifier(spkiDer: Uint8Array): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(spkiDer)).digest();
}
