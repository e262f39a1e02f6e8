// PEM in the encodings kubeadm writes and reads: private keys as PKCS#1 "RSA PRIVATE KEY"
// or SEC1 "EC PRIVATE KEY" (client-go keyutil.MarshalPrivateKeyToPEM), public keys as
// PKIX "PUBLIC KEY", and a trailing newline as Go's pem.EncodeToMemory leaves.
import { KeyObject } from 'node:crypto';
import type { x509 } from './x509.ts';

export function privateKeyPem(key: CryptoKey): string {
  const keyObject = KeyObject.from(key);
  const type = keyObject.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'sec1';
  return keyObject.export({ type, format: 'pem' }).toString();
}

export function publicKeyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'spki', format: 'pem' }).toString();
}

export function certificatePem(cert: x509.X509Certificate): string {
  return `${cert.toString('pem')}\n`;
}
