// IPv4/IPv6 addresses and CIDR blocks as integers, for the overlap and containment checks
// the seed guide asks for ("the pod network must not overlap with any of the host networks").
import { isIP } from 'node:net';

export type Family = 4 | 6;

export interface Cidr {
  text: string;
  family: Family;
  prefix: number;
  /** First address of the block. */
  base: bigint;
}

const WIDTH: Record<Family, number> = { 4: 32, 6: 128 };

function ipv6Groups(address: string): number[] | undefined {
  const [head = '', tail, ...rest] = address.split('::');
  if (rest.length > 0) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  return [...left, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
}

export function parseAddress(text: string): { family: Family; value: bigint } | undefined {
  const family = isIP(text);
  if (family === 4) {
    const value = text.split('.').reduce((sum, octet) => (sum << 8n) + BigInt(Number(octet)), 0n);
    return { family, value };
  }
  if (family === 6) {
    if (text.includes('.')) return undefined;
    const groups = ipv6Groups(text);
    if (!groups) return undefined;
    return { family, value: groups.reduce((sum, group) => (sum << 16n) + BigInt(group), 0n) };
  }
  return undefined;
}

export function parseCidr(text: string): Cidr | string {
  const [address = '', prefixText, ...rest] = text.split('/');
  const parsed = parseAddress(address);
  if (!parsed || prefixText === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefixText)) {
    return `${JSON.stringify(text)} is not a CIDR block; expected e.g. 10.244.0.0/16 or fd00:10:244::/56`;
  }
  const width = WIDTH[parsed.family];
  const prefix = Number(prefixText);
  if (prefix > width) return `${JSON.stringify(text)} has a prefix longer than ${width} bits`;
  const hostBits = BigInt(width - prefix);
  if ((parsed.value & ((1n << hostBits) - 1n)) !== 0n) {
    return `${JSON.stringify(text)} has host bits set; the block starts at ${formatAddress(parsed.family, (parsed.value >> hostBits) << hostBits)}/${prefix}`;
  }
  return { text, family: parsed.family, prefix, base: parsed.value };
}

function formatAddress(family: Family, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function lastAddress(cidr: Cidr): bigint {
  return cidr.base + (1n << BigInt(WIDTH[cidr.family] - cidr.prefix)) - 1n;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

export function contains(cidr: Cidr, address: string): boolean {
  const parsed = parseAddress(address);
  return (
    parsed !== undefined &&
    parsed.family === cidr.family &&
    parsed.value >= cidr.base &&
    parsed.value <= lastAddress(cidr)
  );
}

/** How many per-node blocks of `nodePrefix` bits fit in the CIDR (capped: only "enough or not" matters). */
export function blocksOf(cidr: Cidr, nodePrefix: number): number {
  if (nodePrefix < cidr.prefix) return 0;
  return 2 ** Math.min(nodePrefix - cidr.prefix, 30);
}
