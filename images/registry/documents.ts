// The JSON documents a registry serves for an image (OCI image-spec and the Docker image
// manifest v2 schema 2 it grew from): an index (manifest list) names one manifest per
// platform; a manifest names a config blob and layer blobs. Checked only as far as pulling
// needs, so a field a later spec version adds passes through untouched.
import { KubeseedError, type Problem } from '../../core/errors.ts';
import { sha256Digest } from '../../core/formats.ts';
import {
  type Infer,
  integer,
  isRecord,
  list,
  object,
  ProblemSink,
  readDocument,
  type Schema,
  string,
} from '../../core/schema.ts';

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Every manifest type kubeseed can pull, for the Accept header (schema 1 is not among them). */
export const ACCEPTED_MANIFEST_TYPES: readonly string[] = Object.values(MEDIA_TYPES);

// Later spec versions add fields (annotations, artifactType, os.features): they pass.
const open = { unknownFields: 'ignore' } as const;

/** An image's platform, as an index entry and an image config both give it. */
const platform = object({ os: string(), architecture: string(), variant: string().orAbsent() }, open);

const descriptor = object(
  { mediaType: string(), digest: sha256Digest, size: integer({ min: 0 }), platform: platform.orAbsent() },
  open,
);

const indexDocument = object({ manifests: list(descriptor) }, open);
const manifestDocument = object({ config: descriptor, layers: list(descriptor) }, open);

export type Platform = Infer<typeof platform>;
export type Descriptor = Infer<typeof descriptor>;
export type IndexDocument = { kind: 'index'; mediaType: string } & Infer<typeof indexDocument>;
export type ManifestDocument = { kind: 'manifest'; mediaType: string } & Infer<typeof manifestDocument>;
export type ImageDocument = IndexDocument | ManifestDocument;

// distribution-spec: registries should accept manifests up to 4 MiB; nothing kubeseed pulls comes close.
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function isIndexType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerManifestList;
}

export function isManifestType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPES.ociManifest || mediaType === MEDIA_TYPES.dockerManifest;
}

function malformed(where: string, why: string, problems: Problem[] = []): KubeseedError {
  return new KubeseedError(
    'protocol',
    `${where}: ${why}; the registry served something that is not an OCI or Docker v2 image`,
    problems,
  );
}

function readJson(bytes: Buffer, where: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed(where, `the ${what} is not JSON`);
  }
  if (!isRecord(json)) throw malformed(where, `the ${what} is not a JSON object`);
  return json;
}

function read<T>(schema: Schema<T>, json: unknown, where: string, what: string): T {
  const sink = new ProblemSink();
  const value = readDocument(schema, json, sink);
  if (value === undefined) throw malformed(where, `the ${what} does not match its specification`, sink.problems);
  return value;
}

/**
 * Parses a manifest or index. `mediaType` is the response's Content-Type; documents carry
 * their own `mediaType` too, and an OCI document may leave it out, so either names the type.
 */
export function parseImageDocument(bytes: Buffer, contentType: string | undefined, where: string): ImageDocument {
  const json = readJson(bytes, where, 'manifest');
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const served = contentType?.split(';')[0]?.trim();
  const mediaType =
    declared ??
    (served && (isIndexType(served) || isManifestType(served)) ? served : undefined) ??
    (Array.isArray(json.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest);
  if (json.schemaVersion === 1 || mediaType.startsWith('application/vnd.docker.distribution.manifest.v1')) {
    throw new KubeseedError(
      'unsupported',
      `${where}: is a Docker schema 1 image, which containerd no longer pulls; push it again with a current client (schema 2 or OCI)`,
    );
  }
  if (json.schemaVersion !== 2) throw malformed(where, `schemaVersion is ${JSON.stringify(json.schemaVersion)}, not 2`);
  if (isIndexType(mediaType)) return { kind: 'index', mediaType, ...read(indexDocument, json, where, 'index') };
  if (isManifestType(mediaType)) {
    return { kind: 'manifest', mediaType, ...read(manifestDocument, json, where, 'manifest') };
  }
  throw new KubeseedError(
    'unsupported',
    `${where}: has media type ${mediaType}, which is not an image (an artifact such as a Helm chart or a signature?)`,
  );
}

/** The platform an image config blob names (OCI image-spec config.md: os, architecture, variant). */
export function parseImageConfigPlatform(bytes: Buffer, where: string): Platform {
  return read(platform, readJson(bytes, where, 'image config'), where, 'image config');
}
