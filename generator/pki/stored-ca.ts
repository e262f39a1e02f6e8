// A CA from the state directory, loaded back into the form the signing code uses: the
// generator signs later certificates (short-lived kubeconfigs, kubeseed's own API
// credential) with the same key it made the cluster's trust with.
import { createPrivateKey, webcrypto } from 'node:crypto';
import type { KeyAlgorithm } from '../spec/types.ts';
import type { CertificateAuthority } from './ca.ts';
import type { PemPair } from './types.ts';
import { x509 } from './x509.ts';

const IMPORT_PARAMS: Record<KeyAlgorithm, RsaHashedImportParams | EcKeyImportParams> = {
  'RSA-2048': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  'RSA-3072': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  'RSA-4096': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  'ECDSA-P256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ECDSA-P384': { name: 'ECDSA', namedCurve: 'P-384' },
};

export async function loadCertificateAuthority(pem: PemPair, algorithm: KeyAlgorithm): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(pem.cert);
  // kubeadm's PEM (PKCS#1 or SEC1) is not importable by WebCrypto; PKCS#8 is.
  const pkcs8 = createPrivateKey(pem.key).export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, IMPORT_PARAMS[algorithm], false, ['sign']);
  const publicKey = await cert.publicKey.export(IMPORT_PARAMS[algorithm], ['verify']);
  const keyId = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (!keyId) throw new Error('the stored CA certificate has no SubjectKeyIdentifier');
  return { algorithm, cert, keys: { privateKey, publicKey } as CryptoKeyPair, keyId, pem };
}
