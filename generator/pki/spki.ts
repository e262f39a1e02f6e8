// The SubjectPublicKeyInfo of a certificate, as raw bytes: what kubeadm pins a CA by and
// what key identifiers are hashed from.
import { children, type DerElement, readElement } from './der.ts';

const CONTEXT_TAG_0 = 0xa0;

/** The DER SubjectPublicKeyInfo exactly as it appears inside the certificate. */
export function rawSubjectPublicKeyInfo(certDer: Uint8Array): Uint8Array {
  const certificate = readElement(certDer, 0);
  const tbs = children(certDer, certificate)[0];
  if (!tbs) throw new Error('certificate has no TBSCertificate');
  const fields = children(certDer, tbs);
  // TBSCertificate: [0] version (optional), serial, signature, issuer, validity, subject, SPKI.
  const spkiIndex = fields[0]?.tag === CONTEXT_TAG_0 ? 6 : 5;
  return slice(certDer, fields[spkiIndex], 'certificate has no SubjectPublicKeyInfo');
}

/** The subjectPublicKey BIT STRING value, without its unused-bits octet. */
export function subjectPublicKeyBits(spkiDer: Uint8Array): Uint8Array {
  const bitString = children(spkiDer, readElement(spkiDer, 0))[1];
  if (!bitString) throw new Error('SubjectPublicKeyInfo has no subjectPublicKey');
  return spkiDer.subarray(bitString.contentStart + 1, bitString.end);
}

function slice(der: Uint8Array, element: DerElement | undefined, missing: string): Uint8Array {
  if (!element) throw new Error(missing);
  return der.subarray(element.start, element.end);
}
