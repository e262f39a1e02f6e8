// An RSA private key travels in the node bundle as its two primes and public exponent:
// n, d, dp, dq and qi follow from them, and the rest of a PKCS#1 key is incompressible
// bytes the user-data budget cannot afford (a quarter of the DER for RSA-2048).
import { createPrivateKey, type JsonWebKey } from 'node:crypto';

/** The primes and public exponent, base64url big-endian as JWK spells them. */
export interface RsaPrimes {
  p: string;
  q: string;
  e: string;
}

function toBigInt(base64url: string): bigint {
  return BigInt(`0x${Buffer.from(base64url, 'base64url').toString('hex') || '0'}`);
}

function toBase64url(value: bigint): string {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex').toString('base64url');
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function modInverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [value % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const quotient = oldR / r;
    [oldR, r] = [r, oldR - quotient * r];
    [oldS, s] = [s, oldS - quotient * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return ((oldS % modulus) + modulus) % modulus;
}

/**
 * The PKCS#1 PEM the primes stand for. d is taken modulo λ(n) = lcm(p−1, q−1), as
 * OpenSSL's key generation (and so WebCrypto in Node and the openssl CLI) computes it;
 * modulo φ(n) would give a working but different key, and a different file.
 */
export function expandRsaKey(primes: RsaPrimes): string {
  const [p, q, e] = [toBigInt(primes.p), toBigInt(primes.q), toBigInt(primes.e)];
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInverse(e, lambda);
  const jwk: JsonWebKey = {
    kty: 'RSA',
    n: toBase64url(p * q),
    e: primes.e,
    d: toBase64url(d),
    p: primes.p,
    q: primes.q,
    dp: toBase64url(d % (p - 1n)),
    dq: toBase64url(d % (q - 1n)),
    qi: toBase64url(modInverse(q, p)),
  };
  return createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs1', format: 'pem' }).toString();
}

/** The primes of an RSA key, only when they rebuild this exact PEM; otherwise the PEM must travel whole. */
export function compactRsaKey(pem: string): RsaPrimes | undefined {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa') return undefined;
  const { p, q, e } = key.export({ format: 'jwk' });
  if (p === undefined || q === undefined || e === undefined) return undefined;
  const primes = { p, q, e };
  return expandRsaKey(primes) === pem ? primes : undefined;
}
