// Registry documents are read against their declarations: a field a later spec version adds
// passes, a malformed one is a protocol error naming its path, and kinds of image kubeseed
// does not pull are 'unsupported', so a caller can tell them apart.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../../core/errors.ts';
import { MEDIA_TYPES, parseImageConfigPlatform, parseImageDocument } from '../../../images/registry/documents.ts';

const test = suite('registry documents');

const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const WHERE = 'registry.example.com/team/app:1.0';

function rejection(run: () => unknown): { code: string; message: string; problems: string[] } {
  try {
    run();
  } catch (error) {
    assert.instance(error, KubeseedError);
    const { code, message, problems } = error as KubeseedError;
    return { code, message, problems: problems.map((problem) => `${problem.path}: ${problem.message}`) };
  }
  throw new Error('expected a rejection');
}

test('an OCI index with fields from later spec versions is read; they pass untouched', () => {
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' },
    manifests: [
      {
        mediaType: MEDIA_TYPES.ociManifest,
        digest: digest(1),
        size: 1234,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.features': [] },
        annotations: { a: 'b' },
      },
      { mediaType: MEDIA_TYPES.ociManifest, digest: digest(2), size: 99, artifactType: 'application/x' },
    ],
  };
  assert.equal(parseImageDocument(bytes(index), undefined, WHERE), {
    kind: 'index',
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [
      {
        mediaType: MEDIA_TYPES.ociManifest,
        digest: digest(1),
        size: 1234,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      },
      { mediaType: MEDIA_TYPES.ociManifest, digest: digest(2), size: 99 },
    ],
  });
});

test('a malformed manifest is a protocol error naming every bad field', () => {
  const manifest = {
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:abc', size: 2 },
    layers: [
      { mediaType: 'x', digest: digest(3), size: -1 },
      { digest: digest(4), size: 1 },
    ],
  };
  const docker = 'application/vnd.docker.distribution.manifest.v2+json; charset=utf-8';
  assert.equal(
    rejection(() => parseImageDocument(bytes(manifest), docker, WHERE)),
    {
      code: 'protocol',
      message: `${WHERE}: the manifest does not match its specification; the registry served something that is not an OCI or Docker v2 image`,
      problems: [
        'config.digest: "sha256:abc" is not valid; expected sha256:<64 lowercase hex digits>',
        'layers[0].size: -1 is out of range 0–9007199254740991',
        'layers[1].mediaType: is required',
      ],
    },
  );
  assert.is(rejection(() => parseImageDocument(Buffer.from('<html>'), undefined, WHERE)).code, 'protocol');
});

test('schema 1 images and artifacts are unsupported, not malformed', () => {
  const schema1 = { schemaVersion: 1, name: 'team/app', fsLayers: [] };
  assert.match(rejection(() => parseImageDocument(bytes(schema1), undefined, WHERE)).code, 'unsupported');
  const helm = { schemaVersion: 2, mediaType: 'application/vnd.cncf.helm.chart.v1+json', layers: [] };
  assert.equal(rejection(() => parseImageDocument(bytes(helm), undefined, WHERE)).code, 'unsupported');
});

test("an image config's platform is read from its os, architecture and variant", () => {
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
  assert.equal(parseImageConfigPlatform(bytes(config), WHERE), { os: 'linux', architecture: 'amd64' });
  assert.equal(rejection(() => parseImageConfigPlatform(bytes({ os: 'linux' }), WHERE)).problems, [
    'architecture: is required',
  ]);
});

test.run();
