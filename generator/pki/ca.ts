// A self-signed CA the way kubeadm's pkiutil.NewCertificateAuthority makes one: random
// serial, backdated start, critical CA:TRUE and key usage with certSign, a SubjectKeyId,
// and the common name repeated as a DNS SAN.
import { webcrypto } from 'node:crypto';
import type { KeyAlgorithm } from '../spec/types.ts';
import { generateKeyPair, keyUsages, signingAlgorithm } from './algorithms.ts';
import { keyIdentifier } from './key-id.ts';
import { certificatePem, privateKeyPem } from './pem.ts';
import { randomSerialNumber } from './serial.ts';
import type { PemPair } from './types.ts';
import { validity } from './validity.ts';
import { x509 } from './x509.ts';

export interface CertificateAuthority {
  algorithm: KeyAlgorithm;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  keyId: string;
  pem: PemPair;
}

export async function createCertificateAuthority(opts: {
  commonName: string;
  algorithm: KeyAlgorithm;
  now: Date;
  validityHours: number;
}): Promise<CertificateAuthority> {
  const keys = await generateKeyPair(opts.algorithm);
  const keyId = keyIdentifier(new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey)));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [opts.commonName] }],
    keys,
    ...validity(opts.now, opts.validityHours),
    signingAlgorithm: signingAlgorithm(opts.algorithm),
    // Go's crypto/x509 order, so our CAs read like kubeadm's under `openssl x509 -text`.
    extensions: [
      new x509.KeyUsagesExtension(keyUsages(opts.algorithm, true), true),
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectKeyIdentifierExtension(keyId),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: opts.commonName }]),
    ],
  });
  return {
    algorithm: opts.algorithm,
    cert,
    keys,
    keyId,
    pem: { cert: certificatePem(cert), key: privateKeyPem(keys.privateKey) },
  };
}
