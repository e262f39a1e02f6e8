// One OCI image-layout tar (image-spec image-layout.md: `oci-layout`, `index.json`,
// `blobs/sha256/<hex>`) holding many images, each blob stored once however many images
// share it. index.json names every image the way containerd's import reads it (import.go
// imageName, images/archive/reference.go; checked with ctr 1.6.20): `io.containerd.image.name`
// is the full name it files the image under; `org.opencontainers.image.ref.name` (the tag) is
// what other OCI tools read, and what ctr falls back to when the first is absent, prefixed
// with `--base-name` (default `import-<date>`). The output is deterministic: the same images give the same bytes and sha256.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import tar from 'tar-stream';
import { atomicWrite } from '../core/atomic-write.ts';
import { KubeseedError } from '../core/errors.ts';
import { type Descriptor, MEDIA_TYPES } from './registry/documents.ts';

export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';

export interface ArchivedImage {
  /** containerd's name for the image, e.g. `registry.k8s.io/pause:3.10`. */
  name: string;
  /** The tag, when the image is named by one. */
  tag?: string;
  /** The manifest or index the name points at. */
  root: Descriptor;
}

export interface WrittenArchive {
  path: string;
  /** Hex sha256 of the whole archive. */
  sha256: string;
  size: number;
}

// Fixed metadata: file times and owners would otherwise make every build's checksum differ.
const ENTRY = { mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0) } as const;
const DIRECTORY = { ...ENTRY, mode: 0o755, type: 'directory' } as const;

function indexDocument(images: readonly ArchivedImage[]): string {
  const manifests = [...images]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((image) => ({
      mediaType: image.root.mediaType,
      digest: image.root.digest,
      size: image.root.size,
      annotations: {
        [ANNOTATION_IMAGE_NAME]: image.name,
        ...(image.tag === undefined ? {} : { [ANNOTATION_REF_NAME]: image.tag }),
      },
    }));
  return `${JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }, null, 2)}\n`;
}

/** The part of tar-stream's entry stream used here. */
interface EntrySink {
  write(chunk: Buffer): boolean;
  end(data?: unknown): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

async function writeEntry(entry: EntrySink, path: string, blob: Descriptor): Promise<void> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    if (!entry.write(chunk as Buffer)) await new Promise<void>((resolve) => entry.once('drain', resolve));
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== blob.digest) {
    throw new KubeseedError(
      'integrity',
      `cached blob ${path} hashes to ${actual}, not ${blob.digest}: it changed on disk after it was verified; delete it and run the command again`,
    );
  }
  entry.end();
}

/**
 * Writes the archive to `path` atomically (core/atomic-write.ts), so a file at `path` is
 * always whole, reading each blob from `blobPath(digest)` and checking its sha256 on the way.
 */
export async function writeOciArchive(
  path: string,
  images: readonly ArchivedImage[],
  blobs: readonly Descriptor[],
  blobPath: (digest: string) => string,
): Promise<WrittenArchive> {
  const unique = [...new Map(blobs.map((blob) => [blob.digest, blob])).values()].sort((a, b) =>
    a.digest < b.digest ? -1 : 1,
  );
  const pack = tar.pack();
  const hash = createHash('sha256');
  let size = 0;
  async function* hashed(): AsyncIterable<Buffer> {
    for await (const chunk of pack as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  const written = atomicWrite(path, hashed(), { mode: 0o644 });
  const add = (name: string, content: string) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ ...ENTRY, name }, content, (error) => (error ? reject(error) : resolve())),
    );
  try {
    await add('oci-layout', `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
    await add('index.json', indexDocument(images));
    pack.entry({ ...DIRECTORY, name: 'blobs/' });
    pack.entry({ ...DIRECTORY, name: 'blobs/sha256/' });
    for (const blob of unique) {
      const name = `blobs/sha256/${blob.digest.slice('sha256:'.length)}`;
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ ...ENTRY, name, size: blob.size }, (error) => (error ? reject(error) : resolve()));
        writeEntry(entry, blobPath(blob.digest), blob).catch((error: unknown) => {
          entry.destroy(error as Error);
          reject(error);
        });
      });
    }
    pack.finalize();
    await written;
  } catch (error) {
    // Destroyed with the error, so the write fails too rather than keeping a short archive.
    pack.destroy(error as Error);
    await written.catch(() => undefined);
    throw error;
  }
  return { path, sha256: hash.digest('hex'), size };
}
