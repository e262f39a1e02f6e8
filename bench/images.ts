// What one deduplicated archive buys over one archive per image, on the test images (three
// images sharing a 1 MB busybox layer), with the real registry and containerd the tests use:
// bytes on disk, and the time `ctr images import` takes for the one archive against the
// per-image archives one after another. Each import round runs in a fresh containerd
// namespace so no round finds the previous one's content.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArchiveResult, archiveImages } from '../images/image-archive.ts';
import { formatBytes } from '../images/progress.ts';
import { RegistryClient } from '../images/registry/client.ts';
import { startContainerd } from '../test/helpers/containerd.ts';
import { pushLayout, startRegistry } from '../test/helpers/registry.ts';
import { buildTestImages } from '../test/helpers/test-images.ts';

export interface ImagesBench {
  images: number;
  /** Bytes of the one archive holding every image. */
  oneArchiveBytes: number;
  /** Bytes of one archive per image, added up. */
  perImageArchivesBytes: number;
  /** 1 − one / per-image. */
  dedupSaving: number;
  /** Median over the rounds, milliseconds. */
  importOneMs: number;
  importPerImageMs: number;
  rounds: number;
}

const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export async function benchImages(rounds = ROUNDS): Promise<ImagesBench> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-bench-images-'));
  const registry = await startRegistry();
  let containerd: Awaited<ReturnType<typeof startContainerd>> | undefined;
  try {
    const { images } = await buildTestImages(join(dir, 'layouts'));
    const references = images.map((image) => `${registry.host}/${image.path}`);
    await Promise.all(images.map((image, n) => pushLayout(image.layout, '1.0', references[n]!)));
    containerd = await startContainerd();
    const client = new RegistryClient({ insecure: true });
    const one = await archiveImages({
      images: references,
      arches: ['amd64'],
      output: join(dir, 'all', 'images.tar'),
      client,
    });
    const perImage: ArchiveResult[] = [];
    for (const [n, reference] of references.entries()) {
      perImage.push(
        await archiveImages({
          images: [reference],
          arches: ['amd64'],
          output: join(dir, `image-${n}`, 'images.tar'),
          client,
        }),
      );
    }
    const importOne: number[] = [];
    const importPerImage: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const ctr = containerd.ctr;
      importOne.push(await timed(() => ctr(['images', 'import', one.archive], `bench-one-${round}`)));
      importPerImage.push(
        await timed(async () => {
          for (const archive of perImage) await ctr(['images', 'import', archive.archive], `bench-each-${round}`);
        }),
      );
    }
    const perImageArchivesBytes = perImage.reduce((sum, archive) => sum + archive.size, 0);
    return {
      images: references.length,
      oneArchiveBytes: one.size,
      perImageArchivesBytes,
      dedupSaving: 1 - one.size / perImageArchivesBytes,
      importOneMs: median(importOne),
      importPerImageMs: median(importPerImage),
      rounds,
    };
  } finally {
    await containerd?.stop();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function imagesBenchTable(result: ImagesBench): string {
  const rows = [
    ['', 'one archive', `${result.images} per-image archives`],
    ['size', formatBytes(result.oneArchiveBytes), formatBytes(result.perImageArchivesBytes)],
    [
      `import (median of ${result.rounds})`,
      `${result.importOneMs.toFixed(0)} ms`,
      `${result.importPerImageMs.toFixed(0)} ms`,
    ],
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\ndedup saves ${(result.dedupSaving * 100).toFixed(1)}% of the bytes\n`;
}

/** For `npm run bench`: measures, prints the table, returns the numbers. */
export async function runImagesBench(): Promise<ImagesBench> {
  const result = await benchImages();
  process.stdout.write(`images: air-gap archive\n${imagesBenchTable(result)}`);
  return result;
}
