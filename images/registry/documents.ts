// The JSON documents a registry serves for an image (OCI image-spec and the Docker image
// manifest v2 schema 2 it grew from): an index (manifest list) names one manifest per
// platform; a manifest names a config blob and layer blobs. Checked only as far as pulling
// needs, so a field a later spec version adds passes through untouched.
import { KubeseedError } from '../../core/errors.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Every manifest type kubeseed can pull, for the Accept header (schema 1 is not among them). */
export const ACCEPTED_MANIFEST_TYPES: readonly string[] = Object.values(MEDIA_TYPES);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
}

export interface IndexDocument {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

export interface ManifestDocument {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export type ImageDocument = IndexDocument | ManifestDocument;

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
// distribution-spec: registries should accept manifests up to 4 MiB; nothing kubeseed pulls comes close.
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function isIndexType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

export function isManifestType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociManifest || mediaType === MEDIA_TYPES.dockerManifest;
}

function malformed(where: string, why: string): KubeseedError {
  return new KubeseedError(
    'io',
    `${where}: ${why}; the registry served something that is not an OCI or Docker v2 image manifest`,
  );
}

function descriptor(value: unknown, where: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== 'object' || d === null) throw malformed(where, 'a descriptor is not an object');
  if (typeof d.mediaType !== 'string') throw malformed(where, 'a descriptor has no mediaType');
  if (typeof d.digest !== 'string' || !SHA256_DIGEST.test(d.digest))
    throw malformed(where, `descriptor digest ${JSON.stringify(d.digest)} is not sha256:<64 hex>`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    throw malformed(where, `descriptor ${d.digest} has no valid size`);
  return d as Descriptor;
}

/**
 * Parses a manifest or index. `mediaType` is the response's Content-Type; documents carry
 * their own `mediaType` too, and an OCI document may leave it out, so either names the type.
 */
export function parseImageDocument(bytes: Buffer, contentType: string | undefined, where: string): ImageDocument {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw malformed(where, 'the manifest is not JSON');
  }
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const served = contentType?.split(';')[0]?.trim();
  const mediaType =
    declared ??
    (served && (isIndexType(served) || isManifestType(served)) ? served : undefined) ??
    (Array.isArray(json.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
  if (json.schemaVersion === 1 || mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw new KubeseedError(
      'io',
      `${where}: is a Docker schema 1 image, which containerd no longer pulls; push it again with a current client (schema 2 or OCI)`,
    );
  }
  if (json.schemaVersion !== 2) throw malformed(where, `schemaVersion is ${JSON.stringify(json.schemaVersion)}, not 2`);
  if (isIndexType(mediaType)) {
    if (!Array.isArray(json.manifests)) throw malformed(where, 'an index has no manifests list');
    return { kind: 'index', mediaType, manifests: json.manifests.map((entry) => descriptor(entry, where)) };
  }
  if (isManifestType(mediaType)) {
    if (!Array.isArray(json.layers)) throw malformed(where, 'a manifest has no layers list');
    return {
      kind: 'manifest',
      mediaType,
      config: descriptor(json.config, where),
      layers: json.layers.map((entry) => descriptor(entry, where)),
    };
  }
  throw new KubeseedError(
    'io',
    `${where}: has media type ${mediaType}, which is not an image (an artifact such as a Helm chart or a signature?)`,
  );
}
