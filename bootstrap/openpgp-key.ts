// Reads an ASCII-armored OpenPGP public key (a repository's Release.key) far enough to know
// whose it is, without gpg: stock images may not have it (Debian's gnupg is Priority optional,
// and trixie's apt verifies with sqv). The key is trusted only when it holds exactly one
// primary key and that key's fingerprint is the pinned one; what apt or rpm is then given is
// re-armored from the bytes that were checked, so nothing unchecked rides along.
import { createHash } from 'node:crypto';
import { KubeseedError } from '../core/errors.ts';

const BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----';
const END = '-----END PGP PUBLIC KEY BLOCK-----';
/** RFC 4880 §4.3: the primary key's packet tag (subkeys are 14, bound to it by its signatures). */
const PUBLIC_KEY = 6;

export interface CheckedKey {
  /** Uppercase hex: 40 digits for a v4 key, 64 for v5/v6. */
  fingerprint: string;
  /** The checked packets, armored again. */
  armored: string;
}

function invalid(source: string, why: string): KubeseedError {
  return new KubeseedError('integrity', `${source} is not a usable OpenPGP public key: ${why}`);
}

/** RFC 4880 §6.1 CRC-24 of the radix-64 checksum line. */
function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

function dearmor(text: string, source: string): Buffer {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const begin = lines.findIndex((line) => line.trim() === BEGIN);
  if (begin < 0) throw invalid(source, `no "${BEGIN}" line`);
  const end = lines.findIndex((line, index) => index > begin && line.trim() === END);
  if (end < 0) throw invalid(source, `no "${END}" line`);
  if (lines.slice(end + 1).some((line) => line.trim() === BEGIN))
    throw invalid(source, 'it holds more than one armored block');
  let body = lines.slice(begin + 1, end).map((line) => line.trim());
  // Armor headers (`Version: …`) end at the first blank line; without headers there may be none.
  const blank = body.indexOf('');
  if (blank >= 0 && body.slice(0, blank).every((line) => /^[A-Za-z-]+: /.test(line))) body = body.slice(blank + 1);
  const checksumLine = body.find((line) => line.startsWith('='));
  const data = body.filter((line) => line !== '' && !line.startsWith('='));
  if (data.some((line) => !/^[A-Za-z0-9+/]+={0,2}$/.test(line))) throw invalid(source, 'the armor is not base64');
  const bytes = Buffer.from(data.join(''), 'base64');
  if (checksumLine !== undefined) {
    const expected = Buffer.from(checksumLine.slice(1), 'base64');
    const actual = crc24(bytes);
    if (expected.length !== 3 || expected.readUIntBE(0, 3) !== actual)
      throw invalid(source, 'the armor checksum does not match its content');
  }
  return bytes;
}

interface Packet {
  tag: number;
  body: Buffer;
}

/** RFC 4880 §4.2: old- and new-format headers; keys never use partial body lengths. */
function packets(bytes: Buffer, source: string): Packet[] {
  const result: Packet[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const header = bytes[offset]!;
    if ((header & 0x80) === 0) throw invalid(source, `byte ${offset} does not start a packet`);
    let tag: number;
    let length: number;
    let start: number;
    if (header & 0x40) {
      tag = header & 0x3f;
      const first = bytes[offset + 1];
      if (first === undefined) throw invalid(source, 'a packet header is cut short');
      if (first < 192) {
        length = first;
        start = offset + 2;
      } else if (first < 224) {
        length = ((first - 192) << 8) + (bytes[offset + 2] ?? 0) + 192;
        start = offset + 3;
      } else if (first === 255) {
        length = bytes.readUInt32BE(offset + 2);
        start = offset + 6;
      } else {
        throw invalid(source, 'a packet uses partial body lengths, which keys never do');
      }
    } else {
      tag = (header >> 2) & 0x0f;
      const lengthType = header & 0x03;
      if (lengthType === 3) throw invalid(source, 'a packet has an indeterminate length');
      const size = 1 << lengthType;
      length = bytes.readUIntBE(offset + 1, size);
      start = offset + 1 + size;
    }
    if (start + length > bytes.length) throw invalid(source, 'a packet runs past the end of the key');
    result.push({ tag, body: bytes.subarray(start, start + length) });
    offset = start + length;
  }
  return result;
}

/** RFC 4880 §12.2 (v4: SHA-1 over 0x99, a two-octet length and the body); RFC 9580 §5.5.4 (v6: SHA-256, 0x9B, four octets; v5 alike with 0x9A). */
export function fingerprintOf(keyPacketBody: Buffer): string {
  const version = keyPacketBody[0];
  const hash =
    version === 4
      ? createHash('sha1').update(Buffer.from([0x99, keyPacketBody.length >> 8, keyPacketBody.length & 0xff]))
      : createHash('sha256').update(
          Buffer.concat([Buffer.from([version === 5 ? 0x9a : 0x9b]), uint32(keyPacketBody.length)]),
        );
  return hash.update(keyPacketBody).digest('hex').toUpperCase();
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function armor(bytes: Buffer): string {
  const base64 = bytes.toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  const checksum = Buffer.alloc(3);
  checksum.writeUIntBE(crc24(bytes), 0, 3);
  return [BEGIN, '', ...lines, `=${checksum.toString('base64')}`, END, ''].join('\n');
}

/** The key in `text` if it is exactly one primary key with fingerprint `pinned`; an integrity error otherwise. */
export function checkPinnedKey(text: string, pinned: string, source: string): CheckedKey {
  const bytes = dearmor(text, source);
  const all = packets(bytes, source);
  const primaries = all.filter((packet) => packet.tag === PUBLIC_KEY);
  if (primaries.length !== 1)
    throw invalid(source, `it holds ${primaries.length} primary keys; a repository key file holds exactly one`);
  if (all[0]?.tag !== PUBLIC_KEY) throw invalid(source, 'it does not start with a public key packet');
  const version = primaries[0]!.body[0];
  if (version !== 4 && version !== 5 && version !== 6)
    throw invalid(source, `its key is OpenPGP version ${version}; versions 4 to 6 are understood`);
  const fingerprint = fingerprintOf(primaries[0]!.body);
  if (fingerprint !== pinned.toUpperCase()) {
    throw new KubeseedError(
      'integrity',
      `${source} holds key ${fingerprint}, not the pinned ${pinned.toUpperCase()}: refusing to trust it (a mirror signed with its own key needs packageRepository.keyFingerprint)`,
    );
  }
  return { fingerprint, armored: armor(bytes) };
}
