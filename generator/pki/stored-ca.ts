// A CA from the state directory, loaded back into the form the signing code uses: the
// generator signs later certificates (short-lived kubeconfigs, kubeseed's own API
// credential) with the same key it made the cluster's trust with.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { KeyAlgorithm } from '../spec/types.ts';
import { keyAlgorithmOf } from './algorithms.ts';
import type { CertificateAuthority } from './ca.ts';
import { rawSubject, subjectKeyIdentifierOf } from './certificate-fields.ts';
import type { PemPair } from './types.ts';

export function loadCertificateAuthority(pem: PemPair, algorithm: KeyAlgorithm): CertificateAuthority {
  const der = new X509Certificate(pem.cert).raw;
  const privateKey = createPrivateKey(pem.key);
  const actual = keyAlgorithmOf(privateKey);
  if (actual !== algorithm) throw new Error(`the stored CA key is ${actual ?? 'of another kind'}, not ${algorithm}`);
  const keyId = subjectKeyIdentifierOf(der);
  if (!keyId) throw new Error('the stored CA certificate has no SubjectKeyIdentifier');
  return { algorithm, privateKey, subject: rawSubject(der), keyId, pem };
}
