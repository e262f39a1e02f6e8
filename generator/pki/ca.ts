// A self-signed CA the way kubeadm's pkiutil.NewCertificateAuthority makes one: random
// serial, backdated start, critical CA:TRUE and key usage with certSign, a SubjectKeyId,
// and the common name repeated as a DNS SAN.
import type { KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from '../spec/types.ts';
import { generateKeyPair, keyUsages } from './algorithms.ts';
import { signCertificate } from './certificate.ts';
import { basicConstraints, dnsSubjectAltNames, keyUsage, subjectKeyIdentifier } from './extensions.ts';
import { keyIdentifier } from './key-id.ts';
import { distinguishedName } from './name.ts';
import { certificatePem, privateKeyPem } from './pem.ts';
import { randomSerialNumber } from './serial.ts';
import type { PemPair } from './types.ts';
import { validity } from './validity.ts';

/** What signing a certificate with a CA takes: its key, its Name as encoded, its key identifier. */
export interface CertificateAuthority {
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  subject: Uint8Array;
  keyId: Uint8Array;
  pem: PemPair;
}

export async function createCertificateAuthority(opts: {
  commonName: string;
  algorithm: KeyAlgorithm;
  now: Date;
  validityHours: number;
}): Promise<CertificateAuthority> {
  const { privateKey, publicKey } = await generateKeyPair(opts.algorithm);
  const keyId = keyIdentifier(publicKey.export({ type: 'spki', format: 'der' }));
  const subject = distinguishedName([['CN', [opts.commonName]]]);
  const cert = signCertificate(
    {
      serialNumber: randomSerialNumber(),
      issuer: subject,
      subject,
      validity: validity(opts.now, opts.validityHours),
      publicKey,
      // Go's crypto/x509 order, so our CAs read like kubeadm's under `openssl x509 -text`.
      extensions: [
        keyUsage(keyUsages(opts.algorithm, true)),
        basicConstraints(true),
        subjectKeyIdentifier(keyId),
        dnsSubjectAltNames([opts.commonName]),
      ],
    },
    { key: privateKey, algorithm: opts.algorithm },
  );
  return {
    algorithm: opts.algorithm,
    privateKey,
    subject,
    keyId,
    pem: { cert: certificatePem(cert), key: privateKeyPem(privateKey) },
  };
}
