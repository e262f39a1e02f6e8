// PEM in the encodings kubeadm writes and reads: private keys as PKCS#1 "RSA PRIVATE KEY"
// or SEC1 "EC PRIVATE KEY" (client-go keyutil.MarshalPrivateKeyToPEM), public keys as
// PKIX "PUBLIC KEY", certificates in 64-column lines, and a trailing newline as Go's
// pem.EncodeToMemory leaves.
import type { KeyObject } from 'node:crypto';

export function privateKeyPem(key: KeyObject): string {
  const type = key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'sec1';
  return key.export({ type, format: 'pem' }).toString();
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function certificatePem(der: Uint8Array): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
