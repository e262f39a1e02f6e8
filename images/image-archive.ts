// The air-gap archive: pull every listed image for the chosen architectures from its
// registry and write one OCI archive plus `<archive>.sha256` (sha256sum format) beside it.
// Blobs go to a cache directory next to the output (`<archive>.blobs/`) first, so a run
// that stops (network, Ctrl-C, rate limit) resumes where it was; the cache is removed once
// the archive is written.
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Arch } from '../core/arch.ts';
import { atomicWrite } from '../core/atomic-write.ts';
import { KubeseedError } from '../core/errors.ts';
import { BlobCache } from './blob-cache.ts';
import { type ImageContent, resolveImage } from './image-content.ts';
import { writeOciArchive } from './oci-archive.ts';
import { type Progress, silentProgress } from './progress.ts';
import { RegistryClient } from './registry/client.ts';
import type { Descriptor } from './registry/documents.ts';

export interface ArchiveOptions {
  images: readonly string[];
  arches: readonly Arch[];
  /** The archive's path, e.g. `images.tar`. */
  output: string;
  /** Allow plain HTTP to registries that do not speak TLS (a local mirror). */
  insecure?: boolean;
  progress?: Progress;
  /** Blobs downloaded at once. */
  concurrency?: number;
  client?: RegistryClient;
}

export interface ArchivedImage {
  reference: string;
  /** The name `ctr images ls` shows after the import. */
  name: string;
  /** The registry's digest for the reference (manifest or index). */
  digest: string;
}

export interface ArchiveResult {
  archive: string;
  checksumFile: string;
  /** Hex sha256 of the archive, as in the checksum file. */
  sha256: string;
  size: number;
  images: ArchivedImage[];
  /** Distinct blobs in the archive. */
  blobs: number;
}

const DEFAULT_CONCURRENCY = 4;

/**
 * Runs `work` on each item, `limit` at a time. After a failure no new item starts, but those
 * under way finish (a blob that completes is kept for the next run); then the first error is thrown.
 */
async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      try {
        await work(items[next++]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

function checksumLine(sha256: string, archive: string): string {
  return `${sha256}  ${basename(archive)}\n`;
}

export async function archiveImages(options: ArchiveOptions): Promise<ArchiveResult> {
  if (options.images.length === 0) throw new KubeseedError('usage', 'no images to archive');
  if (options.arches.length === 0)
    throw new KubeseedError('usage', 'no architecture chosen: pass --arch amd64, arm64 or amd64,arm64');
  const progress = options.progress ?? silentProgress;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const client = options.client ?? new RegistryClient({ insecure: options.insecure ?? false });
  await mkdir(dirname(options.output), { recursive: true });
  const cache = new BlobCache(`${options.output}.blobs`);
  await cache.open();
  const keptHint = ` (blobs already fetched stay in ${cache.dir}; the next run resumes from them)`;

  try {
    const byName = new Map<string, ImageContent>();
    await forEachLimited([...new Set(options.images)], concurrency, async (reference) => {
      const content = await resolveImage(client, cache, reference, options.arches);
      byName.set(content.name, content);
      progress.note(`${content.name} ${content.root.digest}`);
    });
    const contents = [...byName.values()];

    const layers = new Map<string, { blob: Descriptor; content: ImageContent }>();
    for (const content of contents) for (const blob of content.layers) layers.set(blob.digest, { blob, content });
    const missing: Array<{ blob: Descriptor; content: ImageContent }> = [];
    for (const layer of layers.values()) if (!(await cache.has(layer.blob.digest))) missing.push(layer);

    const total = missing.reduce((sum, { blob }) => sum + blob.size, 0);
    const held = new Map<string, number>();
    let doneBlobs = 0;
    const report = () =>
      progress.update(
        [...held.values()].reduce((a, b) => a + b, 0),
        doneBlobs,
      );
    progress.start(total, missing.length);
    try {
      await forEachLimited(missing, concurrency, async ({ blob, content }) => {
        await client.downloadBlob(content.image, blob, cache.pathFor(blob.digest), (bytes) => {
          held.set(blob.digest, bytes);
          report();
        });
        held.set(blob.digest, blob.size);
        doneBlobs++;
        report();
      });
    } finally {
      progress.finish();
    }

    const blobs = contents.flatMap((content) => content.blobs);
    const archived = await writeOciArchive(
      options.output,
      contents.map((content) => ({
        name: content.name,
        root: content.root,
        ...(content.image.digest === undefined && content.image.tag ? { tag: content.image.tag } : {}),
      })),
      blobs,
      (digest) => cache.pathFor(digest),
    );
    const checksumFile = `${options.output}.sha256`;
    await atomicWrite(checksumFile, checksumLine(archived.sha256, options.output), { mode: 0o644 });
    await cache.remove();
    return {
      archive: archived.path,
      checksumFile,
      sha256: archived.sha256,
      size: archived.size,
      images: contents
        .map((content) => ({ reference: content.reference, name: content.name, digest: content.root.digest }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
      blobs: new Set(blobs.map((blob) => blob.digest)).size,
    };
  } catch (error) {
    if (error instanceof KubeseedError)
      throw new KubeseedError(error.code, `${error.message}${keptHint}`, error.problems);
    throw error;
  }
}
