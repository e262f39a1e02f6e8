// Just enough DER reading to take fields out of a certificate byte-exact, the way Go's
// crypto/x509 exposes them (RawSubjectPublicKeyInfo), instead of re-encoding a parsed key.

export interface DerElement {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  contentStart: number;
  end: number;
}

export function readElement(der: Uint8Array, offset: number): DerElement {
  const tag = byteAt(der, offset);
  let length = byteAt(der, offset + 1);
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + byteAt(der, contentStart + i);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('DER element runs past the end of its input');
  return { tag, start: offset, contentStart, end };
}

export function children(der: Uint8Array, parent: DerElement): DerElement[] {
  const result: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readElement(der, offset);
    result.push(child);
    offset = child.end;
  }
  return result;
}

function byteAt(der: Uint8Array, offset: number): number {
  const value = der[offset];
  if (value === undefined) throw new Error('DER input ends inside an element header');
  return value;
}
