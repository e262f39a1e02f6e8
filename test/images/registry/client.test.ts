// The registry client's answers to what a real registry rarely does on purpose: a password
// challenge, a registry error body, a manifest whose bytes do not match its digest. A stub
// fetch plays the registry; the real one is in air-gap.test.ts.
import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../../core/errors.ts';
import { parseReference } from '../../../core/image-reference.ts';
import { RegistryClient } from '../../../images/registry/client.ts';

const client = suite('registry client');

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 },
    layers: [],
  }),
);
const MANIFEST_DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

function stub(answer: (url: URL, headers: Record<string, string>) => Response): {
  fetch: typeof fetch;
  seen: Array<{ url: string; headers: Record<string, string> }>;
} {
  const seen: Array<{ url: string; headers: Record<string, string> }> = [];
  const fetchStub = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = (init?.headers ?? {}) as Record<string, string>;
    seen.push({ url: url.href, headers });
    return answer(url, headers);
  }) as typeof fetch;
  return { fetch: fetchStub, seen };
}

/** `code: message`: callers branch on the code, users read the message. */
async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, KubeseedError);
    return `${(error as KubeseedError).code}: ${(error as Error).message}`;
  }
  assert.unreachable('expected an error');
  return '';
}

const image = parseReference('registry.example.com/team/app:1.0');

client('a manifest request asks for every OCI and Docker v2 type and checks the served digest', async () => {
  const { fetch, seen } = stub(
    () =>
      new Response(MANIFEST, {
        headers: {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': MANIFEST_DIGEST,
        },
      }),
  );
  const manifest = await new RegistryClient({ fetch }).getManifest(image, '1.0');
  assert.is(manifest.descriptor.digest, MANIFEST_DIGEST);
  assert.is(seen[0]?.url, 'https://registry.example.com/v2/team/app/manifests/1.0');
  for (const type of [
    'oci.image.index.v1',
    'oci.image.manifest.v1',
    'docker.distribution.manifest.list.v2',
    'docker.distribution.manifest.v2',
  ]) {
    assert.ok(seen[0]?.headers.accept?.includes(`application/vnd.${type}+json`), type);
  }
});

client('bytes that do not hash to the digest asked for are refused', async () => {
  const { fetch } = stub(() => new Response(MANIFEST));
  const wanted = `sha256:${'1'.repeat(64)}`;
  const message = await failure(new RegistryClient({ fetch }).getManifest(image, wanted));
  assert.match(message, `not ${wanted}`);
  assert.match(message, /^integrity: /);
});

client('a password challenge is refused with what to do instead', async () => {
  const { fetch } = stub(
    () => new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="private"' } }),
  );
  assert.match(
    await failure(new RegistryClient({ fetch }).getManifest(image, '1.0')),
    /^unsupported: .*asks for basic credentials; kubeseed pulls anonymously/,
  );
});

client('a registry error body is quoted, with a hint for the status', async () => {
  const { fetch } = stub(
    () =>
      new Response(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }), {
        status: 404,
      }),
  );
  const message = await failure(new RegistryClient({ fetch }).getManifest(image, '1.0'));
  assert.match(
    message,
    'registry.example.com/team/app:1.0: cannot get the manifest from registry.example.com (MANIFEST_UNKNOWN: manifest unknown)',
  );
  assert.match(message, 'check the name and tag');
  assert.match(message, /^invalid-input: /);
});

client('server errors are retried, then reported with the number of tries', async () => {
  let calls = 0;
  const { fetch } = stub(() => {
    calls++;
    return calls < 3 ? new Response('', { status: 503 }) : new Response(MANIFEST);
  });
  await new RegistryClient({ fetch, retryDelayMs: () => 1 }).getManifest(image, '1.0');
  assert.is(calls, 3);
  const down = stub(() => {
    throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
  });
  assert.match(
    await failure(new RegistryClient({ fetch: down.fetch, retryDelayMs: () => 1 }).getManifest(image, '1.0')),
    /^network: .*ECONNREFUSED.*--insecure.*\(3 tries\)/,
  );
});

client.run();
