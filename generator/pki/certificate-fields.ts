// Fields of a certificate as raw bytes, the way Go's crypto/x509 exposes them
// (RawSubject, RawSubjectPublicKeyInfo, SubjectKeyId): what kubeadm pins a CA by, what key
// identifiers are hashed from, and what a certificate the CA signs names as its issuer.
import { children, type DerElement, readElement } from './der.ts';

const CONTEXT_TAG_0 = 0xa0;
const CONTEXT_TAG_3 = 0xa3;
const OCTET_STRING = 0x04;
/** The DER of OID 2.5.29.14 (subjectKeyIdentifier). */
const SUBJECT_KEY_IDENTIFIER_OID = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x0e);

/** TBSCertificate: [0] version (optional), serial, signature, issuer, validity, subject, SPKI, …, [3] extensions. */
function tbsFields(certDer: Uint8Array): { fields: DerElement[]; first: number } {
  const tbs = children(certDer, readElement(certDer, 0))[0];
  if (!tbs) throw new Error('certificate has no TBSCertificate');
  const fields = children(certDer, tbs);
  return { fields, first: fields[0]?.tag === CONTEXT_TAG_0 ? 1 : 0 };
}

/** The DER subject Name exactly as it appears inside the certificate. */
export function rawSubject(certDer: Uint8Array): Uint8Array {
  const { fields, first } = tbsFields(certDer);
  return slice(certDer, fields[first + 4], 'certificate has no subject');
}

/** The DER SubjectPublicKeyInfo exactly as it appears inside the certificate. */
export function rawSubjectPublicKeyInfo(certDer: Uint8Array): Uint8Array {
  const { fields, first } = tbsFields(certDer);
  return slice(certDer, fields[first + 5], 'certificate has no SubjectPublicKeyInfo');
}

/** The key identifier of the certificate's SubjectKeyIdentifier extension, if it has one. */
export function subjectKeyIdentifierOf(certDer: Uint8Array): Uint8Array | undefined {
  const { fields } = tbsFields(certDer);
  const wrapper = fields.find((field) => field.tag === CONTEXT_TAG_3);
  if (!wrapper) return undefined;
  const list = children(certDer, wrapper)[0];
  for (const extension of list ? children(certDer, list) : []) {
    const [oid, ...rest] = children(certDer, extension);
    if (!oid || !sameBytes(certDer.subarray(oid.start, oid.end), SUBJECT_KEY_IDENTIFIER_OID)) continue;
    const value = rest.at(-1);
    if (value?.tag !== OCTET_STRING) return undefined;
    const keyId = readElement(certDer, value.contentStart);
    return keyId.tag === OCTET_STRING ? certDer.subarray(keyId.contentStart, keyId.end) : undefined;
  }
  return undefined;
}

/** The subjectPublicKey BIT STRING value, without its unused-bits octet. */
export function subjectPublicKeyBits(spkiDer: Uint8Array): Uint8Array {
  const bitString = children(spkiDer, readElement(spkiDer, 0))[1];
  if (!bitString) throw new Error('SubjectPublicKeyInfo has no subjectPublicKey');
  return spkiDer.subarray(bitString.contentStart + 1, bitString.end);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function slice(der: Uint8Array, element: DerElement | undefined, missing: string): Uint8Array {
  if (!element) throw new Error(missing);
  return der.subarray(element.start, element.end);
}
