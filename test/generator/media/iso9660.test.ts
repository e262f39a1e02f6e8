import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../../core/errors.ts';
import { type IsoFile, writeIso9660 } from '../../../generator/media/iso9660.ts';
import { needing } from '../../helpers/tools.ts';

const SEED: IsoFile[] = [
  { name: 'user-data', content: Buffer.from('#cloud-config\nhostname: w-1\n') },
  { name: 'meta-data', content: Buffer.from('instance-id: kubeseed-lab-w-1\nlocal-hostname: w-1\n') },
  { name: 'network-config', content: Buffer.from('version: 2\n') },
];
// More than one sector of directory records, names that collide as 8.3 names, an empty
// file and one spanning several sectors.
const MANY: IsoFile[] = [
  ...SEED,
  { name: 'empty', content: Buffer.alloc(0) },
  { name: 'big.bin', content: randomBytes(3 * 2048 + 17) },
  ...Array.from({ length: 60 }, (_, n) => ({ name: `file-number-${n}.txt`, content: Buffer.from(`file ${n}\n`) })),
];

function withIso<T>(files: IsoFile[], use: (iso: string, dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-iso-'));
  try {
    const iso = join(dir, 'seed.iso');
    writeFileSync(iso, writeIso9660({ volumeId: 'cidata', files }));
    return use(iso, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isoSuite = suite('ISO 9660 writer: read back by isoinfo, xorriso and blkid');
const withIsoinfo = needing(isoSuite, { tools: ['isoinfo'] });
const withXorriso = needing(isoSuite, { tools: ['xorriso'] });
const withBlkid = needing(isoSuite, { tools: ['blkid'] });

withIsoinfo('isoinfo -d: volume id cidata, Joliet present', () => {
  withIso(SEED, (iso) => {
    const info = execFileSync('isoinfo', ['-d', '-i', iso], { encoding: 'utf8' });
    assert.match(info, /^Volume id: cidata$/m);
    assert.match(info, /Joliet with UCS level 3 found/);
    assert.match(info, /^Logical block size is: 2048$/m);
  });
});

withIsoinfo('isoinfo -J -x extracts every file byte for byte, under its own name', () => {
  withIso(MANY, (iso) => {
    for (const file of MANY) {
      const content = execFileSync('isoinfo', ['-J', '-i', iso, '-x', `/${file.name}`], { maxBuffer: 1 << 20 });
      assert.ok(content.equals(file.content), file.name);
    }
  });
});

withXorriso('xorriso extracts exactly the files, byte for byte, without a warning', () => {
  withIso(MANY, (iso, dir) => {
    const out = join(dir, 'out');
    const result = spawnSync('xorriso', ['-indev', iso, '-osirrox', 'on', '-extract', '/', out], { encoding: 'utf8' });
    assert.is(result.status, 0, result.stderr);
    assert.match(result.stderr, /files restored/);
    assert.not.match(result.stdout + result.stderr, /WARNING|FAILURE|SORRY/);
    assert.equal(readdirSync(out).sort(), MANY.map((file) => file.name).sort());
    for (const file of MANY) assert.ok(readFileSync(join(out, file.name)).equals(file.content), file.name);
  });
});

withBlkid('blkid sees an iso9660 file system labelled cidata, as cloud-init searches for it', () => {
  withIso(SEED, (iso) => {
    const probe = execFileSync('blkid', ['-p', '-o', 'export', iso], { encoding: 'utf8' });
    assert.match(probe, /^TYPE=iso9660$/m);
    assert.match(probe, /^LABEL=cidata$/m);
  });
});

withIsoinfo('readers without Joliet see unique 8.3 names', () => {
  withIso(MANY, (iso) => {
    const listing = execFileSync('isoinfo', ['-l', '-i', iso], { encoding: 'utf8' });
    const names = [...listing.matchAll(/\]\s+(\S+)\s*$/gm)]
      .map((match) => match[1]!)
      .filter((name) => name !== '.' && name !== '..');
    assert.is(names.length, MANY.length);
    assert.is(new Set(names).size, names.length);
    assert.ok(names.includes('USER_DAT.;1'));
    for (const name of names) assert.match(name, /^[A-Z0-9_]{1,8}\.[A-Z0-9_]{0,3};1$/);
  });
});

isoSuite('deterministic: the same files give the same bytes', () => {
  assert.ok(
    writeIso9660({ volumeId: 'cidata', files: MANY }).equals(writeIso9660({ volumeId: 'cidata', files: MANY })),
  );
});

isoSuite('bad volume ids and file names are refused with what to use', () => {
  const cases: Array<[string, IsoFile[], RegExp]> = [
    ['a volume id that is too long', [], /volume id "much-too-long-volume": use 1 to 16/],
    ['a path', [{ name: 'dir/user-data', content: Buffer.alloc(1) }], /file name "dir\/user-data"/],
    ['a duplicate', [SEED[0]!, SEED[0]!], /"user-data" appears twice/],
  ];
  for (const [what, files, message] of cases) {
    try {
      writeIso9660({ volumeId: what.startsWith('a volume') ? 'much-too-long-volume' : 'cidata', files });
      assert.unreachable(what);
    } catch (error) {
      assert.instance(error, KubeseedError, what);
      assert.match((error as Error).message, message, what);
    }
  }
});

isoSuite.run();
