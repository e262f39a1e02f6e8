// A minimal ISO 9660 image writer for NoCloud seeds: one flat root directory, no root
// privileges or loop mounts. File names such as `user-data` are not valid ISO 9660 names
// (lowercase, '-'), so a Joliet tree carries them as written, next to a primary tree of
// 8.3 names for readers without Joliet. Without Rock Ridge, Linux's iso9660 driver (which
// cloud-init mounts the seed with), libisofs and isoinfo read the Joliet names, and blkid
// takes the label from the Joliet descriptor, so both descriptors carry the volume id.
// Every timestamp is fixed, so the same files give the same bytes.
import { KubeseedError } from '../../core/errors.ts';

export interface IsoFile {
  name: string;
  content: Buffer;
}

const SECTOR = 2048;
const SYSTEM_AREA_SECTORS = 16;
const PATH_TABLE_BYTES = 10;
// 1970-01-01 00:00:00 UTC, in the two date forms ISO 9660 uses.
const RECORD_DATE = [70, 1, 1, 0, 0, 0, 0];
const VOLUME_DATE = Buffer.concat([Buffer.from('1970010100000000', 'ascii'), Buffer.from([0])]);
const UNSET_VOLUME_DATE = Buffer.concat([Buffer.from('0000000000000000', 'ascii'), Buffer.from([0])]);
const APPLICATION_ID = 'KUBESEED';
const MAX_JOLIET_NAME = 64;
const MAX_VOLUME_ID = 16;
const MAX_EXTENT_BYTES = 0xffff_ffff;

type Encoding = 'primary' | 'joliet';

interface Tree {
  encoding: Encoding;
  entries: Array<{ id: Buffer; sortKey: string; file: IsoFile }>;
}

function both16(buffer: Buffer, offset: number, value: number): void {
  buffer.writeUInt16LE(value, offset);
  buffer.writeUInt16BE(value, offset + 2);
}

function both32(buffer: Buffer, offset: number, value: number): void {
  buffer.writeUInt32LE(value, offset);
  buffer.writeUInt32BE(value, offset + 4);
}

function ucs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

/** A fixed-width text field, padded with spaces in the tree's character set. */
function textField(text: string, bytes: number, encoding: Encoding): Buffer {
  if (encoding === 'primary') return Buffer.from(text.padEnd(bytes, ' '), 'ascii');
  const field = ucs2(text.padEnd(bytes / 2, ' '));
  return field.length === bytes ? field : Buffer.concat([field, Buffer.alloc(bytes - field.length)]);
}

/** A level-1 name (8.3, d-characters, `;1` version): what readers without Joliet see. */
function primaryName(name: string, taken: Set<string>): string {
  const dot = name.lastIndexOf('.');
  const clean = (part: string) => part.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const base = clean(dot > 0 ? name.slice(0, dot) : name).slice(0, 8);
  const extension = dot > 0 ? clean(name.slice(dot + 1)).slice(0, 3) : '';
  for (let n = 0; ; n++) {
    const suffix = n === 0 ? '' : String(n);
    const candidate = `${base.slice(0, 8 - suffix.length)}${suffix}.${extension};1`;
    if (!taken.has(candidate)) {
      taken.add(candidate);
      return candidate;
    }
  }
}

function directoryRecord(id: Buffer, extent: number, size: number, directory: boolean): Buffer {
  // The record length is even: a pad byte follows an even-length identifier.
  const record = Buffer.alloc(33 + id.length + (id.length % 2 === 0 ? 1 : 0));
  record[0] = record.length;
  both32(record, 2, extent);
  both32(record, 10, size);
  Buffer.from(RECORD_DATE).copy(record, 18);
  record[25] = directory ? 0x02 : 0x00;
  both16(record, 28, 1);
  record[32] = id.length;
  id.copy(record, 33);
  return record;
}

/** Records never cross a sector boundary: each sector is filled with whole records. */
function packSectors(records: Buffer[]): Buffer[] {
  const sectors: Buffer[][] = [[]];
  let used = 0;
  for (const record of records) {
    if (used + record.length > SECTOR) {
      sectors.push([]);
      used = 0;
    }
    sectors[sectors.length - 1]!.push(record);
    used += record.length;
  }
  return sectors.map((parts) => {
    const sector = Buffer.alloc(SECTOR);
    Buffer.concat(parts).copy(sector);
    return sector;
  });
}

/** The root's records: itself as `.` and, being the root, as its own parent `..`. */
function directoryRecords(
  tree: Tree,
  rootExtent: number,
  directoryBytes: number,
  extents: Map<IsoFile, number>,
): Buffer[] {
  return [
    directoryRecord(Buffer.from([0]), rootExtent, directoryBytes, true),
    directoryRecord(Buffer.from([1]), rootExtent, directoryBytes, true),
    ...tree.entries.map(({ id, file }) => directoryRecord(id, extents.get(file) ?? 0, file.content.length, false)),
  ];
}

function pathTable(rootExtent: number, littleEndian: boolean): Buffer {
  const table = Buffer.alloc(SECTOR);
  table[0] = 1;
  if (littleEndian) {
    table.writeUInt32LE(rootExtent, 2);
    table.writeUInt16LE(1, 6);
  } else {
    table.writeUInt32BE(rootExtent, 2);
    table.writeUInt16BE(1, 6);
  }
  return table;
}

function volumeDescriptor(input: {
  encoding: Encoding;
  volumeId: string;
  totalSectors: number;
  pathTables: { little: number; big: number };
  root: Buffer;
}): Buffer {
  const descriptor = Buffer.alloc(SECTOR);
  const joliet = input.encoding === 'joliet';
  descriptor[0] = joliet ? 2 : 1;
  descriptor.write('CD001', 1, 'ascii');
  descriptor[6] = 1;
  textField('', 32, input.encoding).copy(descriptor, 8);
  textField(input.volumeId, 32, input.encoding).copy(descriptor, 40);
  both32(descriptor, 80, input.totalSectors);
  // Joliet's escape sequence for UCS-2 level 3.
  if (joliet) descriptor.write('%/E', 88, 'ascii');
  both16(descriptor, 120, 1);
  both16(descriptor, 124, 1);
  both16(descriptor, 128, SECTOR);
  both32(descriptor, 132, PATH_TABLE_BYTES);
  descriptor.writeUInt32LE(input.pathTables.little, 140);
  descriptor.writeUInt32BE(input.pathTables.big, 148);
  input.root.copy(descriptor, 156);
  textField('', 128, input.encoding).copy(descriptor, 190);
  textField('', 128, input.encoding).copy(descriptor, 318);
  textField('', 128, input.encoding).copy(descriptor, 446);
  textField(APPLICATION_ID, 128, input.encoding).copy(descriptor, 574);
  textField('', 37, input.encoding).copy(descriptor, 702);
  textField('', 37, input.encoding).copy(descriptor, 739);
  textField('', 37, input.encoding).copy(descriptor, 776);
  VOLUME_DATE.copy(descriptor, 813);
  VOLUME_DATE.copy(descriptor, 830);
  UNSET_VOLUME_DATE.copy(descriptor, 847);
  UNSET_VOLUME_DATE.copy(descriptor, 864);
  descriptor[881] = 1;
  return descriptor;
}

function terminator(): Buffer {
  const descriptor = Buffer.alloc(SECTOR);
  descriptor[0] = 255;
  descriptor.write('CD001', 1, 'ascii');
  descriptor[6] = 1;
  return descriptor;
}

function checkInput(volumeId: string, files: readonly IsoFile[]): void {
  if (!/^[A-Za-z0-9_-]+$/.test(volumeId) || volumeId.length > MAX_VOLUME_ID) {
    throw new KubeseedError(
      'internal',
      `ISO 9660 volume id ${JSON.stringify(volumeId)}: use 1 to ${MAX_VOLUME_ID} letters, digits, '_' or '-'`,
    );
  }
  const seen = new Set<string>();
  for (const { name, content } of files) {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.length > MAX_JOLIET_NAME || name.startsWith('.')) {
      throw new KubeseedError(
        'internal',
        `ISO 9660 file name ${JSON.stringify(name)}: use up to ${MAX_JOLIET_NAME} letters, digits, '.', '_' or '-', not starting with '.'`,
      );
    }
    if (seen.has(name))
      throw new KubeseedError(
        'internal',
        `ISO 9660 file name ${JSON.stringify(name)} appears twice; each file needs its own name`,
      );
    if (content.length > MAX_EXTENT_BYTES)
      throw new KubeseedError('size', `ISO 9660 file ${name} is over 4 GiB, more than one extent holds`);
    seen.add(name);
  }
}

export function writeIso9660(input: { volumeId: string; files: readonly IsoFile[] }): Buffer {
  checkInput(input.volumeId, input.files);
  const taken = new Set<string>();
  const trees: Tree[] = [
    {
      encoding: 'primary',
      entries: input.files.map((file) => {
        const name = primaryName(file.name, taken);
        return { id: Buffer.from(name, 'ascii'), sortKey: name, file };
      }),
    },
    { encoding: 'joliet', entries: input.files.map((file) => ({ id: ucs2(file.name), sortKey: file.name, file })) },
  ];
  // Readers may binary-search a directory: ISO 9660 orders its records by identifier.
  // For these character sets plain code-unit order is that order.
  for (const tree of trees) tree.entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));

  const pathTablesStart = SYSTEM_AREA_SECTORS + 3;
  const directoriesStart = pathTablesStart + 2 * trees.length;
  // Directory sizes do not depend on extents, so lay them out with placeholder extents first.
  const directorySectors = trees.map((tree) => packSectors(directoryRecords(tree, 0, 0, new Map())).length);
  const rootExtents = directorySectors.map(
    (_, index) => directoriesStart + directorySectors.slice(0, index).reduce((a, b) => a + b, 0),
  );
  let next = directoriesStart + directorySectors.reduce((a, b) => a + b, 0);
  const extents = new Map<IsoFile, number>();
  for (const file of input.files) {
    // An empty file occupies no sector; location 0 is the convention for it.
    extents.set(file, file.content.length === 0 ? 0 : next);
    next += Math.ceil(file.content.length / SECTOR);
  }
  const totalSectors = next;

  const directories = trees.map((tree, index) =>
    packSectors(directoryRecords(tree, rootExtents[index]!, directorySectors[index]! * SECTOR, extents)),
  );
  const descriptors = trees.map((tree, index) =>
    volumeDescriptor({
      encoding: tree.encoding,
      volumeId: input.volumeId,
      totalSectors,
      pathTables: { little: pathTablesStart + 2 * index, big: pathTablesStart + 2 * index + 1 },
      root: directoryRecord(Buffer.from([0]), rootExtents[index]!, directories[index]!.length * SECTOR, true),
    }),
  );

  const image = Buffer.alloc(totalSectors * SECTOR);
  const put = (sector: number, data: Buffer) => data.copy(image, sector * SECTOR);
  for (const [index, descriptor] of descriptors.entries()) put(SYSTEM_AREA_SECTORS + index, descriptor);
  put(SYSTEM_AREA_SECTORS + descriptors.length, terminator());
  for (const [index, extent] of rootExtents.entries()) {
    put(pathTablesStart + 2 * index, pathTable(extent, true));
    put(pathTablesStart + 2 * index + 1, pathTable(extent, false));
  }
  for (const [index, sectors] of directories.entries()) {
    for (const [offset, sector] of sectors.entries()) put(rootExtents[index]! + offset, sector);
  }
  for (const file of input.files) if (file.content.length > 0) put(extents.get(file)!, file.content);
  return image;
}
