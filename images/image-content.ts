// What one image contributes to an air-gap archive for the chosen architectures: the
// manifest or index exactly as the registry serves it (so the image keeps the digest
// kubelet and containerd know it by, and a digest-pinned reference still matches), one
// manifest per chosen architecture with its config and layers, and the bare manifests of
// the index's other platforms. Manifests and configs are pulled into the cache here;
// layers are left for the caller to download.
import { readFile } from 'node:fs/promises';
import type { Arch } from '../core/arch.ts';
import { KubeseedError } from '../core/errors.ts';
import { containerdName, formatReference, type ImageReference, parseReference } from '../core/image-reference.ts';
import type { BlobCache } from './blob-cache.ts';
import type { RegistryClient } from './registry/client.ts';
import { type Descriptor, isManifestType, type Platform, parseImageConfigPlatform } from './registry/documents.ts';
import { describePlatform, platformMatches, selectManifest } from './registry/platform.ts';

export interface ImageContent {
  /** The reference as it was asked for. */
  reference: string;
  image: ImageReference;
  /** containerd's name for it (what `ctr images ls` shows after the import). */
  name: string;
  /** The registry's manifest or index for the reference, unchanged. */
  root: Descriptor;
  /** Every blob the archive needs for this image: manifests, configs, layers. */
  blobs: Descriptor[];
  /** The blobs still to download (layers; manifests and configs are cached already). */
  layers: Descriptor[];
}

async function configPlatform(cache: BlobCache, digest: string, shown: string): Promise<Platform> {
  const path = cache.pathFor(digest);
  const bytes = await readFile(path).catch((error: Error) => {
    throw new KubeseedError('io', `cannot read ${path}: ${error.message}`);
  });
  return parseImageConfigPlatform(bytes, `${shown}: config blob ${digest}`);
}

export async function resolveImage(
  client: RegistryClient,
  cache: BlobCache,
  reference: string,
  arches: readonly Arch[],
): Promise<ImageContent> {
  const image = parseReference(reference);
  const shown = formatReference(image);
  const top = await client.getManifest(image, image.digest ?? image.tag!);
  await cache.putVerified(top.descriptor.digest, top.bytes);
  const blobs: Descriptor[] = [top.descriptor];
  const layers: Descriptor[] = [];

  const addManifest = async (config: Descriptor, manifestLayers: Descriptor[]) => {
    await cache.once(config.digest, () => client.downloadBlob(image, config, cache.pathFor(config.digest)));
    blobs.push(config, ...manifestLayers);
    layers.push(...manifestLayers);
  };

  if (top.document.kind === 'index') {
    const chosen = new Map<string, Arch>();
    for (const arch of arches) {
      const entry = selectManifest(top.document.manifests, arch);
      if (!entry) {
        const offered = top.document.manifests.map((manifest) => describePlatform(manifest.platform)).join(', ');
        throw new KubeseedError(
          'invalid-input',
          `${shown} has no linux/${arch} image (it offers ${offered || 'nothing'}); leave ${arch} out of --arch, or use an image built for it`,
        );
      }
      chosen.set(entry.digest, arch);
    }
    // The other platforms' manifests come too (a few kB each, no configs or layers): with every
    // manifest the index names present, `ctr images import --all-platforms` walks the index
    // without a missing-content error, and the default import still unpacks the node's own.
    for (const entry of top.document.manifests) {
      if (!isManifestType(entry.mediaType) && !chosen.has(entry.digest)) continue;
      const child = await client.getManifest(image, entry.digest);
      await cache.putVerified(child.descriptor.digest, child.bytes);
      blobs.push(child.descriptor);
      const arch = chosen.get(entry.digest);
      if (arch === undefined) continue;
      if (child.document.kind !== 'manifest')
        throw new KubeseedError(
          'unsupported',
          `${shown}: the linux/${arch} entry ${entry.digest} is another index; nested indexes are not supported`,
        );
      await addManifest(child.document.config, child.document.layers);
    }
  } else {
    await addManifest(top.document.config, top.document.layers);
    const platform = await configPlatform(cache, top.document.config.digest, shown);
    const missing = arches.filter((arch) => !platformMatches(platform, arch));
    if (missing.length > 0) {
      throw new KubeseedError(
        'invalid-input',
        `${shown} is a single ${describePlatform(platform)} image, not one for ${missing.map((arch) => `linux/${arch}`).join(' and ')}; leave ${missing.join(', ')} out of --arch, or use a multi-architecture image`,
      );
    }
  }
  return { reference, image, name: containerdName(image), root: top.descriptor, blobs, layers };
}
