// kubeadm's encryptionAlgorithm values: how each makes a key and signs a certificate. One
// algorithm covers every key of a cluster (CAs, service-account key, admin), as kubeadm's does.
import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyAlgorithm } from '../spec/types.ts';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

interface AlgorithmParams {
  generate: { type: 'rsa'; modulusLength: number } | { type: 'ec'; namedCurve: string };
  /** The signature a key of this algorithm makes on a certificate, and its hash. */
  signatureOid: string;
  hash: string;
  rsa: boolean;
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

function rsa(modulusLength: number): AlgorithmParams {
  return { generate: { type: 'rsa', modulusLength }, signatureOid: SHA256_WITH_RSA, hash: 'sha256', rsa: true };
}

// Go's crypto/x509 pairs each curve with its matching hash (P-256/SHA-256, P-384/SHA-384).
function ecdsa(namedCurve: string, signatureOid: string, hash: string): AlgorithmParams {
  return { generate: { type: 'ec', namedCurve }, signatureOid, hash, rsa: false };
}

const PARAMS: Record<KeyAlgorithm, AlgorithmParams> = {
  'RSA-2048': rsa(2048),
  'RSA-3072': rsa(3072),
  'RSA-4096': rsa(4096),
  'ECDSA-P256': ecdsa('P-256', '1.2.840.10045.4.3.2', 'sha256'),
  'ECDSA-P384': ecdsa('P-384', '1.2.840.10045.4.3.3', 'sha384'),
};

const generate = promisify(generateKeyPairCallback);

/** Made on libuv's thread pool, so several keys are made at once. */
export function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPair> {
  const params = PARAMS[algorithm].generate;
  if (params.type === 'rsa') return generate('rsa', { modulusLength: params.modulusLength, publicExponent: 0x10001 });
  return generate('ec', { namedCurve: params.namedCurve });
}

export function signatureAlgorithm(algorithm: KeyAlgorithm): { oid: string; hash: string; rsa: boolean } {
  const { signatureOid, hash, rsa } = PARAMS[algorithm];
  return { oid: signatureOid, hash, rsa };
}

// RFC 5280 §4.2.1.3 KeyUsage bit numbers.
const DIGITAL_SIGNATURE = 0;
const KEY_ENCIPHERMENT = 2;
const KEY_CERT_SIGN = 5;

/**
 * kubeadm's usages (digitalSignature, keyEncipherment, plus keyCertSign for a CA), except
 * that keyEncipherment is left off non-RSA keys: RFC 8813 §3 forbids it for ECDSA, and
 * Kubernetes is dropping it there too (kubernetes/kubernetes#142037, #142273).
 */
export function keyUsages(algorithm: KeyAlgorithm, ca: boolean): number[] {
  return [DIGITAL_SIGNATURE, ...(PARAMS[algorithm].rsa ? [KEY_ENCIPHERMENT] : []), ...(ca ? [KEY_CERT_SIGN] : [])];
}

const CURVES: Record<string, KeyAlgorithm> = { prime256v1: 'ECDSA-P256', secp384r1: 'ECDSA-P384' };

/** The algorithm a loaded key belongs to, or undefined for one kubeseed never makes. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    const name = `RSA-${details.modulusLength}`;
    return name in PARAMS ? (name as KeyAlgorithm) : undefined;
  }
  if (key.asymmetricKeyType === 'ec') return CURVES[details.namedCurve ?? ''];
  return undefined;
}
