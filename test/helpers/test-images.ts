// Small real images for the air-gap tests, built here as OCI layouts (no network): an amd64
// layer holding the static busybox (a runnable /bin/sh) shared by several images, a shared
// arm64 base layer, and one small layer per image and architecture. Deterministic: the
// same layouts and digests on every run.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const BUSYBOX = '/bin/busybox';

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

export interface TestPlatform {
  architecture: 'amd64' | 'arm64';
  variant?: string;
}

export interface Variant {
  manifest: string;
  config: string;
  layers: string[];
}

export interface LayoutImage {
  /** Repository and tag on the test registry, e.g. `kubeseed-test/alpha:1.0`. */
  path: string;
  /** The OCI layout directory skopeo pushes from. */
  layout: string;
  /** The digest the registry will serve for the tag (the index, or the single manifest). */
  digest: string;
  /** The index's own digest, for a multi-arch image. */
  index?: string;
  variants: Partial<Record<TestPlatform['architecture'], Variant>>;
}

const MTIME = new Date(0);

function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length, bytes };
}

type TarEntry = {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  content?: Buffer;
  linkname?: string;
};

async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const entry of entries) {
    const header = {
      name: entry.name,
      type: entry.type,
      mode: entry.mode,
      mtime: MTIME,
      uid: 0,
      gid: 0,
      ...(entry.linkname ? { linkname: entry.linkname } : {}),
    };
    pack.entry(header, entry.content ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

interface Layer {
  blob: Blob;
  diffId: string;
}

async function layer(entries: TarEntry[]): Promise<Layer> {
  const uncompressed = await tarOf(entries);
  return {
    blob: blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(uncompressed, { level: 6 })),
    diffId: `sha256:${createHash('sha256').update(uncompressed).digest('hex')}`,
  };
}

function busyboxLayer(): Promise<Layer> {
  return layer([
    { name: 'bin/', type: 'directory', mode: 0o755 },
    { name: 'bin/busybox', type: 'file', mode: 0o755, content: readFileSync(BUSYBOX) },
    { name: 'bin/sh', type: 'symlink', mode: 0o777, linkname: 'busybox' },
    { name: 'bin/cat', type: 'symlink', mode: 0o777, linkname: 'busybox' },
  ]);
}

function fileLayer(name: string, text: string): Promise<Layer> {
  return layer([
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: `etc/${name}`, type: 'file', mode: 0o644, content: Buffer.from(text) },
  ]);
}

function manifestFor(platform: TestPlatform, layers: Layer[]): { manifest: Blob; config: Blob } {
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        architecture: platform.architecture,
        os: 'linux',
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      }),
    ),
  );
  const manifest = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: l.blob.mediaType, digest: l.blob.digest, size: l.blob.size })),
      }),
    ),
  );
  return { manifest, config };
}

/**
 * Writes an OCI layout holding one image: a single manifest, or an index over one manifest
 * per platform.
 */
function writeLayout(
  dir: string,
  path: string,
  variants: Array<{ platform: TestPlatform; layers: Layer[] }>,
  asIndex: boolean,
): LayoutImage {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Blob) => writeFileSync(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
  const byArch: LayoutImage['variants'] = {};
  const entries = variants.map(({ platform, layers }) => {
    const { manifest, config } = manifestFor(platform, layers);
    for (const b of [manifest, config, ...layers.map((l) => l.blob)]) put(b);
    byArch[platform.architecture] = {
      manifest: manifest.digest,
      config: config.digest,
      layers: layers.map((l) => l.blob.digest),
    };
    return {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      platform: {
        architecture: platform.architecture,
        os: 'linux',
        ...(platform.variant ? { variant: platform.variant } : {}),
      },
    };
  });
  let top: { mediaType: string; digest: string; size: number } = entries[0]!;
  if (asIndex) {
    const index = blob(
      'application/vnd.oci.image.index.v1+json',
      Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }),
      ),
    );
    put(index);
    top = index;
  }
  const tag = path.slice(path.lastIndexOf(':') + 1);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: top.mediaType,
          digest: top.digest,
          size: top.size,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { path, layout: dir, digest: top.digest, ...(asIndex ? { index: top.digest } : {}), variants: byArch };
}

/** Every blob of the image a bundle for `arches` must hold. */
export function expectedBlobs(image: LayoutImage, arches: ReadonlyArray<TestPlatform['architecture']>): string[] {
  const variants = Object.entries(image.variants);
  return [
    ...(image.index ? [image.index] : []),
    ...variants.map(([, variant]) => variant.manifest),
    ...variants
      .filter(([arch]) => arches.includes(arch as TestPlatform['architecture']))
      .flatMap(([, variant]) => [variant.config, ...variant.layers]),
  ];
}

/**
 * The test set: alpha and beta (amd64 + arm64/v8 indexes whose amd64 variants share the
 * busybox layer and whose arm64 variants share a base layer) and single (one amd64 manifest,
 * also on busybox).
 */
export async function buildTestImages(root: string): Promise<{ images: LayoutImage[]; busybox: string }> {
  const busybox = await busyboxLayer();
  const armBase = await fileLayer('arm64-base', 'a stand-in arm64 base layer\n');
  const images: LayoutImage[] = [];
  for (const name of ['alpha', 'beta']) {
    images.push(
      writeLayout(
        join(root, name),
        `kubeseed-test/${name}:1.0`,
        [
          { platform: { architecture: 'amd64' }, layers: [busybox, await fileLayer(name, `${name} amd64\n`)] },
          {
            platform: { architecture: 'arm64', variant: 'v8' },
            layers: [armBase, await fileLayer(name, `${name} arm64\n`)],
          },
        ],
        true,
      ),
    );
  }
  images.push(
    writeLayout(
      join(root, 'single'),
      'kubeseed-test/single:1.0',
      [{ platform: { architecture: 'amd64' }, layers: [busybox, await fileLayer('single', 'single amd64\n')] }],
      false,
    ),
  );
  return { images, busybox: busybox.blob.digest };
}
