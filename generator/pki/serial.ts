// kubeadm draws serial numbers uniformly from [1, 2^63-1) so each fits a positive signed
// 64-bit INTEGER; random serials keep two certificates from one CA from ever colliding.
import { randomBytes } from 'node:crypto';

const LIMIT = (1n << 63n) - 1n;

export function randomSerialNumber(): string {
  for (;;) {
    const candidate = randomBytes(8).readBigUInt64BE() >> 1n;
    if (candidate < LIMIT - 1n) return evenHex(candidate + 1n);
  }
}

function evenHex(value: bigint): string {
  const hex = value.toString(16);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}
