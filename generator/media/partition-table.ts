// The partitions of a disk image that may hold a FAT file system, from its MBR or, behind
// a protective MBR, its GPT. Raspberry Pi images use MBR; GPT is read for images (and
// EEPROM-booted Pi 4/5 cards) that use it.
import { open } from 'node:fs/promises';
import { KubeseedError } from '../../core/errors.ts';

// Pi images and the GPTs written for them use 512-byte logical sectors.
const SECTOR = 512;
const MBR_FAT_TYPES = new Set([0x01, 0x04, 0x06, 0x0b, 0x0c, 0x0e, 0xef]);
const MBR_GPT_PROTECTIVE = 0xee;
const GPT_FAT_TYPES = new Set([
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7', // Microsoft basic data
  'c12a7328-f81f-11d2-ba4b-00a0c93ec93b', // EFI system partition
]);
const COMPRESSED: Array<{ magic: number[]; name: string; undo: string }> = [
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz', undo: 'xz -dk' },
  { magic: [0x1f, 0x8b], name: 'gzip', undo: 'gunzip -k' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd', undo: 'zstd -d' },
  { magic: [0x50, 0x4b, 0x03, 0x04], name: 'zip', undo: 'unzip' },
];

export interface Partition {
  /** 1-based, as the kernel numbers partitions (mmcblk0p1). */
  number: number;
  /** Byte offsets in the image. */
  offset: number;
  size: number;
}

async function readAt(path: string, position: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new KubeseedError('io', `cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

function guid(bytes: Buffer): string {
  // The first three fields are stored little-endian, the last two as written.
  const hex = (start: number, end: number, reverse: boolean) => {
    const part = Buffer.from(bytes.subarray(start, end));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

async function gptPartitions(path: string): Promise<Partition[]> {
  const header = await readAt(path, SECTOR, SECTOR);
  if (header.toString('latin1', 0, 8) !== 'EFI PART') {
    throw new KubeseedError(
      'invalid-input',
      `${path}: the MBR announces a GPT but sector 1 holds no GPT header; is the image complete?`,
    );
  }
  const entriesAt = Number(header.readBigUInt64LE(72)) * SECTOR;
  const count = header.readUInt32LE(80);
  const entrySize = header.readUInt32LE(84);
  const entries = await readAt(path, entriesAt, count * entrySize);
  const partitions: Partition[] = [];
  for (let index = 0; index < count && (index + 1) * entrySize <= entries.length; index++) {
    const entry = entries.subarray(index * entrySize, (index + 1) * entrySize);
    if (!GPT_FAT_TYPES.has(guid(entry.subarray(0, 16)))) continue;
    const first = Number(entry.readBigUInt64LE(32));
    const last = Number(entry.readBigUInt64LE(40));
    partitions.push({ number: index + 1, offset: first * SECTOR, size: (last - first + 1) * SECTOR });
  }
  return partitions;
}

/** FAT-typed partitions, in table order. */
export async function fatPartitions(path: string): Promise<Partition[]> {
  const mbr = await readAt(path, 0, SECTOR);
  const compressed = COMPRESSED.find(({ magic }) => magic.every((byte, index) => mbr[index] === byte));
  if (compressed) {
    throw new KubeseedError(
      'invalid-input',
      `${path} is ${compressed.name}-compressed; decompress it first (${compressed.undo} ${path}) and pass the .img`,
    );
  }
  if (mbr.length < SECTOR || mbr[510] !== 0x55 || mbr[511] !== 0xaa) {
    throw new KubeseedError(
      'invalid-input',
      `${path} has no partition table (no MBR signature); pass a whole-disk image such as a Raspberry Pi .img`,
    );
  }
  const entries = [0, 1, 2, 3].map((index) => {
    const entry = mbr.subarray(446 + index * 16, 446 + (index + 1) * 16);
    return { number: index + 1, type: entry[4]!, start: entry.readUInt32LE(8), sectors: entry.readUInt32LE(12) };
  });
  if (entries.some((entry) => entry.type === MBR_GPT_PROTECTIVE)) return gptPartitions(path);
  return entries
    .filter((entry) => MBR_FAT_TYPES.has(entry.type) && entry.sectors > 0)
    .map((entry) => ({ number: entry.number, offset: entry.start * SECTOR, size: entry.sectors * SECTOR }));
}
