// kubeadm's encryptionAlgorithm values mapped onto WebCrypto. One algorithm covers every
// key of a cluster (CAs, service-account key, admin), as kubeadm's does.
import { type KeyObject, webcrypto } from 'node:crypto';
import type { KeyAlgorithm } from '../spec/types.ts';
import { x509 } from './x509.ts';

interface AlgorithmParams {
  generate: RsaHashedKeyGenParams | EcKeyGenParams;
  /** The signature a key of this algorithm makes when it signs a certificate. */
  sign: Algorithm | EcdsaParams;
  rsa: boolean;
}

const RSA_PUBLIC_EXPONENT = new Uint8Array([1, 0, 1]);

function rsa(modulusLength: number): AlgorithmParams {
  const name = 'RSASSA-PKCS1-v1_5';
  return {
    generate: { name, modulusLength, publicExponent: RSA_PUBLIC_EXPONENT, hash: 'SHA-256' },
    sign: { name },
    rsa: true,
  };
}

// Go's crypto/x509 pairs each curve with its matching hash (P-256/SHA-256, P-384/SHA-384).
function ecdsa(namedCurve: string, hash: string): AlgorithmParams {
  return { generate: { name: 'ECDSA', namedCurve }, sign: { name: 'ECDSA', hash } as EcdsaParams, rsa: false };
}

const PARAMS: Record<KeyAlgorithm, AlgorithmParams> = {
  'RSA-2048': rsa(2048),
  'RSA-3072': rsa(3072),
  'RSA-4096': rsa(4096),
  'ECDSA-P256': ecdsa('P-256', 'SHA-256'),
  'ECDSA-P384': ecdsa('P-384', 'SHA-384'),
};

export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  // Extractable so the private key can be written out in kubeadm's PEM format.
  return (await webcrypto.subtle.generateKey(PARAMS[algorithm].generate, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export function signingAlgorithm(algorithm: KeyAlgorithm): Algorithm | EcdsaParams {
  return PARAMS[algorithm].sign;
}

/**
 * kubeadm's usages (digitalSignature, keyEncipherment, plus keyCertSign for a CA), except
 * that keyEncipherment is left off non-RSA keys: RFC 8813 §3 forbids it for ECDSA, and
 * Kubernetes is dropping it there too (kubernetes/kubernetes#142037, #142273).
 */
export function keyUsages(algorithm: KeyAlgorithm, ca: boolean): number {
  const { digitalSignature, keyEncipherment, keyCertSign } = x509.KeyUsageFlags;
  return digitalSignature | (PARAMS[algorithm].rsa ? keyEncipherment : 0) | (ca ? keyCertSign : 0);
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
