// An X.509 v3 certificate (RFC 5280 §4.1) signed the way Go's crypto/x509 signs kubeadm's:
// the TBSCertificate fields in order, the signature over their DER.
import { type KeyObject, sign } from 'node:crypto';
import type { KeyAlgorithm } from '../spec/types.ts';
import { signatureAlgorithm } from './algorithms.ts';
import {
  bitString,
  explicit,
  NULL,
  objectIdentifier,
  sequence,
  smallInteger,
  time,
  unsignedInteger,
} from './der-write.ts';
import type { Validity } from './validity.ts';

const VERSION_3 = 2;

export interface CertificateFields {
  /** Hex digits of a positive serial number. */
  serialNumber: string;
  /** The issuer's and the subject's Name, encoded (name.ts, or read from the issuer's certificate). */
  issuer: Uint8Array;
  subject: Uint8Array;
  validity: Validity;
  publicKey: KeyObject;
  /** Encoded Extensions (extensions.ts), in the order they appear. */
  extensions: Uint8Array[];
}

export interface Signer {
  key: KeyObject;
  algorithm: KeyAlgorithm;
}

/** The DER certificate for `fields`, signed by `signer`. */
export function signCertificate(fields: CertificateFields, signer: Signer): Uint8Array {
  const algorithm = signatureAlgorithm(signer.algorithm);
  // RFC 4055 §5: sha*WithRSAEncryption carries NULL parameters; RFC 5758 §3.2: ECDSA none.
  const algorithmIdentifier = algorithm.rsa
    ? sequence(objectIdentifier(algorithm.oid), NULL)
    : sequence(objectIdentifier(algorithm.oid));
  const tbs = sequence(
    explicit(0, smallInteger(VERSION_3)),
    unsignedInteger(Buffer.from(fields.serialNumber, 'hex')),
    algorithmIdentifier,
    fields.issuer,
    sequence(time(fields.validity.notBefore), time(fields.validity.notAfter)),
    fields.subject,
    fields.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...fields.extensions)),
  );
  const signature = sign(algorithm.hash, tbs, { key: signer.key, dsaEncoding: 'der' });
  return sequence(tbs, algorithmIdentifier, bitString(signature));
}
