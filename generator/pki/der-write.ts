// Just enough DER writing for the certificates kubeseed signs (X.690 §8 and §10). A
// general X.509 library costs a generate ~80 ms of start-up for the two shapes of
// certificate it makes; openssl and real TLS peers in the tests check every byte.

const UNIVERSAL = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** One encoded element: tag, definite length, content. */
function element(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  const encoded = new Uint8Array(header.length + length);
  encoded.set(header);
  encoded.set(content, header.length);
  return encoded;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

export function sequence(...items: Uint8Array[]): Uint8Array {
  return element(UNIVERSAL.sequence, concat(items));
}

/** A SET OF: DER orders its elements by their encodings (§11.6). */
export function setOf(items: readonly Uint8Array[]): Uint8Array {
  return element(UNIVERSAL.set, concat([...items].sort(compareBytes)));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A context-specific tag around an encoded element (EXPLICIT). */
export function explicit(tagNumber: number, inner: Uint8Array): Uint8Array {
  return element(0xa0 | tagNumber, inner);
}

/** A context-specific primitive tag in place of the universal one (IMPLICIT). */
export function implicit(tagNumber: number, content: Uint8Array): Uint8Array {
  return element(0x80 | tagNumber, content);
}

export function boolean(value: boolean): Uint8Array {
  return element(UNIVERSAL.boolean, Uint8Array.of(value ? 0xff : 0x00));
}

export const NULL = element(UNIVERSAL.null, new Uint8Array(0));

/** A non-negative INTEGER from its big-endian magnitude, in the fewest octets. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const digits = magnitude.subarray(start);
  const content = digits.length === 0 || digits[0]! & 0x80 ? concat([Uint8Array.of(0), digits]) : digits;
  return element(UNIVERSAL.integer, content);
}

export function smallInteger(value: number): Uint8Array {
  return unsignedInteger(Uint8Array.of(value));
}

export function objectIdentifier(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const octets: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc & 0x7f];
    for (let high = Math.floor(arc / 128); high > 0; high = Math.floor(high / 128))
      base128.unshift(0x80 | (high & 0x7f));
    octets.push(...base128);
  }
  return element(UNIVERSAL.oid, Uint8Array.from(octets));
}

export function octetString(content: Uint8Array): Uint8Array {
  return element(UNIVERSAL.octetString, content);
}

/** A BIT STRING of whole octets (a key, a signature). */
export function bitString(content: Uint8Array): Uint8Array {
  return element(UNIVERSAL.bitString, concat([Uint8Array.of(0), content]));
}

/** A named-bit BIT STRING (§11.2.2): bit n set for each n, trailing zero bits left off. */
export function namedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return element(UNIVERSAL.bitString, Uint8Array.of(0));
  const last = Math.max(...bits);
  const octets = new Uint8Array(Math.floor(last / 8) + 1);
  for (const bit of bits) octets[bit >> 3]! |= 0x80 >> (bit & 7);
  return element(UNIVERSAL.bitString, concat([Uint8Array.of(7 - (last & 7)), octets]));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A DirectoryString as Go's crypto/x509 writes one: PrintableString when it can be, else UTF8String. */
export function directoryString(text: string): Uint8Array {
  const tag = PRINTABLE.test(text) ? UNIVERSAL.printableString : UNIVERSAL.utf8String;
  return element(tag, new TextEncoder().encode(text));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds, in UTC. */
export function time(date: Date): Uint8Array {
  const digits = date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:T]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return element(UNIVERSAL.utcTime, new TextEncoder().encode(digits.slice(2)));
  return element(UNIVERSAL.generalizedTime, new TextEncoder().encode(digits));
}
