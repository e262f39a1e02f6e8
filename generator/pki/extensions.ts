// The certificate extensions kubeadm's certificates carry (RFC 5280 §4.2.1), each an
// Extension: its OID, critical when it must be, and its value inside an OCTET STRING.
import { boolean, implicit, namedBits, objectIdentifier, octetString, sequence } from './der-write.ts';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DNS_NAME = 2;
const KEY_IDENTIFIER = 0;

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  // DER leaves out a field equal to its DEFAULT: critical is FALSE unless said.
  return critical
    ? sequence(objectIdentifier(oid), boolean(true), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

/** Critical, as Go makes it; `bits` are KeyUsage bit numbers (algorithms.ts keyUsages). */
export function keyUsage(bits: readonly number[]): Uint8Array {
  return extension('2.5.29.15', true, namedBits(bits));
}

/** Critical; a CA says cA TRUE, anything else the empty sequence (cA FALSE by default). */
export function basicConstraints(ca: boolean): Uint8Array {
  return extension('2.5.29.19', true, ca ? sequence(boolean(true)) : sequence());
}

export function subjectKeyIdentifier(keyId: Uint8Array): Uint8Array {
  return extension('2.5.29.14', false, octetString(keyId));
}

export function authorityKeyIdentifier(keyId: Uint8Array): Uint8Array {
  return extension('2.5.29.35', false, sequence(implicit(KEY_IDENTIFIER, keyId)));
}

export function dnsSubjectAltNames(names: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  return extension('2.5.29.17', false, sequence(...names.map((name) => implicit(DNS_NAME, encoder.encode(name)))));
}

export function clientAuthExtendedKeyUsage(): Uint8Array {
  return extension('2.5.29.37', false, sequence(objectIdentifier(CLIENT_AUTH)));
}
