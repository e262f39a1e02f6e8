// The air-gap path end to end with real parts, all on 127.0.0.1: a real registry
// (docker-registry) filled by skopeo with images built here, kubeseed's bundle pulling
// from it (directly, or through a proxy that counts, demands a token, corrupts or cuts),
// and a private containerd importing the archive.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingImages, parseCtrImagesList } from '../../bootstrap/image-completeness.ts';
import { temporaryPath } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { archiveImages } from '../../images/image-archive.ts';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME } from '../../images/oci-archive.ts';
import { RegistryClient } from '../../images/registry/client.ts';
import { removeTree } from '../helpers/cleanup.ts';
import { startContainerd, type TestContainerd } from '../helpers/containerd.ts';
import { pushLayout, startProxy, startRegistry, type TestRegistry } from '../helpers/registry.ts';
import { runCliOk, runCliRefused } from '../helpers/run-cli.ts';
import { buildTestImages, expectedBlobs, type LayoutImage } from '../helpers/test-images.ts';
import { needing } from '../helpers/tools.ts';

const run = promisify(execFile);

interface State {
  dir: string;
  registry?: TestRegistry;
  containerd?: TestContainerd;
  images: LayoutImage[];
  busybox: string;
  setupError?: unknown;
}

// A private containerd needs root (its snapshotter mounts); the images are made of Debian's static busybox.
const airGap = needing(
  suite<State>('air-gap images (registry, bundle, containerd)', { dir: '', images: [], busybox: '' }),
  {
    root: true,
    tools: ['docker-registry', 'skopeo', 'containerd', 'ctr', 'runc', '/bin/busybox'],
  },
);

// Retries come quickly here: the failures the tests cause are deliberate.
const fastClient = (insecure = true) => new RegistryClient({ insecure, retryDelayMs: () => 10 });
const ref = (state: State, image: LayoutImage, host = state.registry!.host) => `${host}/${image.path}`;
const byName = (state: State, name: string) => state.images.find((image) => image.path.includes(`/${name}:`))!;
let outputs = 0;
const output = (state: State) => join(state.dir, `out-${++outputs}`, 'images.tar');

async function tarEntries(path: string): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const names: string[] = [];
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      names.push(entry.header.name);
      if (entry.header.type === 'file') entries.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  createReadStream(path).pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  assert.is(new Set(names).size, names.length, 'no entry appears twice');
  return entries;
}

function blobNames(entries: Map<string, Buffer>): string[] {
  return [...entries.keys()]
    .filter((name) => name.startsWith('blobs/sha256/'))
    .map((name) => `sha256:${name.slice(13)}`)
    .sort();
}

async function ctrImages(containerd: TestContainerd): Promise<Map<string, string>> {
  const rows = (await containerd.ctr(['images', 'ls'])).trim().split('\n').slice(1);
  return new Map(rows.map((row) => row.split(/\s+/)).map(([name, , digest]) => [name!, digest!]));
}

async function refused(promise: Promise<unknown>): Promise<KubeseedError> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, KubeseedError);
    return error as KubeseedError;
  }
  assert.unreachable('expected an error');
  throw new Error('unreachable');
}

airGap.before(async (state) => {
  try {
    state.dir = mkdtempSync(join(tmpdir(), 'kubeseed-airgap-'));
    const built = await buildTestImages(join(state.dir, 'layouts'));
    state.images = built.images;
    state.busybox = built.busybox;
    state.registry = await startRegistry();
    const alpha = built.images[0]!;
    await Promise.all([
      ...built.images.map((image) => pushLayout(image.layout, '1.0', ref(state, image))),
      pushLayout(alpha.layout, '1.0', `${state.registry.host}/kubeseed-test/docker-alpha:1.0`, { format: 'v2s2' }),
      ...['a', 'b', 'c'].map((copy) =>
        pushLayout(alpha.layout, '1.0', `${state.registry!.host}/kubeseed-test/alias-${copy}:1.0`),
      ),
    ]);
    state.containerd = await startContainerd();
  } catch (error) {
    state.setupError = error;
  }
});

airGap.before.each((state) => {
  if (state.setupError) throw state.setupError;
});

airGap.after(async (state) => {
  await state.containerd?.stop();
  await state.registry?.stop();
  if (state.dir) await removeTree(state.dir);
});

airGap('one archive holds every image, each blob once, named for containerd', async (state) => {
  const archive = output(state);
  const result = await archiveImages({
    images: state.images.map((image) => ref(state, image)),
    arches: ['amd64'],
    output: archive,
    client: fastClient(),
  });
  const entries = await tarEntries(archive);
  assert.equal(entries.get('oci-layout')?.toString(), '{"imageLayoutVersion":"1.0.0"}\n');
  const expected = [...new Set(state.images.flatMap((image) => expectedBlobs(image, ['amd64'])))].sort();
  assert.equal(blobNames(entries), expected);
  for (const [name, content] of entries) {
    if (name.startsWith('blobs/')) assert.is(createHash('sha256').update(content).digest('hex'), name.slice(13), name);
  }
  const busyboxUsers = state.images.filter((image) => image.variants.amd64?.layers.includes(state.busybox)).length;
  assert.is(busyboxUsers, 3, 'three images share the busybox layer');
  assert.ok(entries.has(`blobs/sha256/${state.busybox.slice(7)}`));

  const index = JSON.parse(entries.get('index.json')!.toString()) as {
    manifests: Array<{ digest: string; annotations: Record<string, string> }>;
  };
  assert.equal(
    index.manifests.map((m) => [m.annotations[ANNOTATION_IMAGE_NAME], m.annotations[ANNOTATION_REF_NAME], m.digest]),
    state.images.map((image) => [ref(state, image), '1.0', image.digest]),
  );
  assert.is(result.blobs, expected.length);
  assert.not.ok(existsSync(`${archive}.blobs`), 'the blob cache is gone after success');
  assert.not.ok(existsSync(temporaryPath(archive)), 'no temporary file is left');
});

airGap(
  'names that share one manifest and config are pulled together without tripping over each other',
  async (state) => {
    const aliases = ['a', 'b', 'c'].map((copy) => `${state.registry!.host}/kubeseed-test/alias-${copy}:1.0`);
    const result = await archiveImages({
      images: aliases,
      arches: ['amd64'],
      output: output(state),
      client: fastClient(),
    });
    assert.equal(
      result.images.map((image) => image.digest),
      aliases.map(() => state.images[0]!.digest),
    );
  },
);

airGap("the checksum file is sha256sum's format, and the same images give the same bytes", async (state) => {
  const first = output(state);
  const second = output(state);
  const images = state.images.map((image) => ref(state, image));
  const a = await archiveImages({ images, arches: ['amd64'], output: first, client: fastClient() });
  const b = await archiveImages({
    images: [...images].reverse(),
    arches: ['amd64'],
    output: second,
    client: fastClient(),
  });
  await run('sha256sum', ['--check', '--strict', 'images.tar.sha256'], { cwd: join(first, '..') });
  assert.is(readFileSync(`${first}.sha256`, 'utf8'), `${a.sha256}  images.tar\n`);
  assert.is(b.sha256, a.sha256);
});

airGap("containerd imports the archive: every name at the registry's digest, runnable", async (state) => {
  const containerd = state.containerd!;
  const archive = output(state);
  await archiveImages({
    images: state.images.map((image) => ref(state, image)),
    arches: ['amd64'],
    output: archive,
    client: fastClient(),
  });
  const imported = await containerd.ctr(['images', 'import', archive]);
  assert.match(imported, /unpacking .*alpha:1\.0/);
  const listed = await ctrImages(containerd);
  for (const image of state.images) assert.is(listed.get(ref(state, image)), image.digest, image.path);
  const out = await containerd.ctr([
    'run',
    '--rm',
    ref(state, byName(state, 'alpha')),
    'kubeseed-airgap-alpha',
    '/bin/cat',
    '/etc/alpha',
  ]);
  assert.is(out, 'alpha amd64\n');
  // --all-platforms walks every manifest an index names: the archive carries them all.
  await containerd.ctr(['images', 'import', '--all-platforms', archive]);
  assert.equal(await ctrImages(containerd), listed);
});

airGap('missingImages names an image that is not in containerd', async (state) => {
  const containerd = state.containerd!;
  const required = state.images.map((image) => ref(state, image));
  assert.equal(missingImages(required, parseCtrImagesList(await containerd.ctr(['images', 'ls', '-q']))), []);
  const single = ref(state, byName(state, 'single'));
  await containerd.ctr(['images', 'rm', single]);
  assert.equal(missingImages(required, parseCtrImagesList(await containerd.ctr(['images', 'ls', '-q']))), [single]);
  const pinned = `${state.registry!.host}/kubeseed-test/alpha@${byName(state, 'alpha').digest}`;
  assert.equal(missingImages([pinned], parseCtrImagesList(await containerd.ctr(['images', 'ls']))), []);
});

airGap('a two-architecture archive imports for arm64 as well', async (state) => {
  const containerd = state.containerd!;
  const multi = state.images.filter((image) => image.index);
  const archive = output(state);
  await archiveImages({
    images: multi.map((image) => ref(state, image)),
    arches: ['amd64', 'arm64'],
    output: archive,
    client: fastClient(),
  });
  const expected = [...new Set(multi.flatMap((image) => expectedBlobs(image, ['amd64', 'arm64'])))].sort();
  assert.equal(blobNames(await tarEntries(archive)), expected);
  await containerd.ctr(['images', 'rm', ...multi.map((image) => ref(state, image))]);
  await containerd.ctr(['images', 'import', '--platform', 'linux/arm64', archive]);
  const listed = await ctrImages(containerd);
  for (const image of multi) assert.is(listed.get(ref(state, image)), image.digest);
});

airGap(
  'a corrupted blob is named with its registry, nothing of it is kept, and a rerun fetches only it',
  async (state) => {
    const alpha = byName(state, 'alpha');
    const corrupt = alpha.variants.amd64!.layers[1]!;
    const tampering = await startProxy(state.registry!.host, { corruptBlob: corrupt });
    const archive = output(state);
    try {
      const error = await refused(
        archiveImages({
          images: [ref(state, alpha, tampering.host)],
          arches: ['amd64'],
          output: archive,
          client: fastClient(),
        }),
      );
      assert.match(error.message, `blob ${corrupt}`);
      assert.match(error.message, `from ${tampering.host}`);
      assert.match(error.message, 'does not match its digest');
    } finally {
      await tampering.stop();
    }
    assert.not.ok(existsSync(archive));
    const cached = readdirSync(join(`${archive}.blobs`, 'sha256'));
    assert.not.ok(
      cached.some((name) => name.startsWith(corrupt.slice(7))),
      'neither the blob nor a partial of it is kept',
    );
    assert.ok(cached.includes(state.busybox.slice(7)), 'the good layer stays for the rerun');

    const counting = await startProxy(state.registry!.host);
    try {
      await archiveImages({
        images: [ref(state, alpha, counting.host)],
        arches: ['amd64'],
        output: archive,
        client: fastClient(),
      });
    } finally {
      await counting.stop();
    }
    assert.equal(
      counting.requests.filter((request) => request.includes('/blobs/')),
      [`GET /v2/kubeseed-test/alpha/blobs/${corrupt}`],
    );
    assert.ok(existsSync(archive));
  },
);

airGap('an interrupted download resumes where it broke off', async (state) => {
  const cut = await startProxy(state.registry!.host, { cutBlob: { digest: state.busybox, after: 300_000 } });
  const archive = output(state);
  try {
    await archiveImages({
      images: [ref(state, byName(state, 'single'), cut.host)],
      arches: ['amd64'],
      output: archive,
      client: fastClient(),
    });
  } finally {
    await cut.stop();
  }
  const range = /^bytes=(\d+)-$/.exec(cut.ranges.get(state.busybox) ?? '');
  assert.ok(range, 'the second request asks for the rest');
  assert.ok(Number(range[1]) > 0 && Number(range[1]) <= 300_000, range[1]);
  const entries = await tarEntries(archive);
  const layer = entries.get(`blobs/sha256/${state.busybox.slice(7)}`)!;
  assert.is(`sha256:${createHash('sha256').update(layer).digest('hex')}`, state.busybox);
});

airGap('token auth: a 401 challenge is answered with an anonymous token for the pull scope', async (state) => {
  const guarded = await startProxy(state.registry!.host, { requireToken: true });
  try {
    const result = await archiveImages({
      images: [ref(state, byName(state, 'beta'), guarded.host)],
      arches: ['amd64'],
      output: output(state),
      client: fastClient(),
    });
    assert.is(result.images[0]?.digest, byName(state, 'beta').digest);
  } finally {
    await guarded.stop();
  }
  assert.ok(guarded.tokenRequests.length >= 1);
  assert.is(guarded.tokenRequests[0]!.get('service'), 'kubeseed-test');
  assert.is(guarded.tokenRequests[0]!.get('scope'), 'repository:kubeseed-test/beta:pull');
});

airGap("a redirect to another host (a CDN) is followed without the registry's token", async (state) => {
  const cdn = await startProxy(state.registry!.host);
  const guarded = await startProxy(state.registry!.host, { requireToken: true, redirectBlobsTo: cdn.host });
  try {
    await archiveImages({
      images: [ref(state, byName(state, 'single'), guarded.host)],
      arches: ['amd64'],
      output: output(state),
      client: fastClient(),
    });
  } finally {
    await guarded.stop();
    await cdn.stop();
  }
  assert.ok(
    cdn.requests.some((request) => request.includes(`/blobs/${state.busybox}`)),
    'the layer came from the CDN',
  );
  assert.equal(cdn.authorizations.filter(Boolean), []);
  assert.ok(guarded.authorizations.some((header) => header?.startsWith('Bearer ')));
});

airGap("a Docker v2 manifest list bundles and imports at the registry's digest", async (state) => {
  const reference = `${state.registry!.host}/kubeseed-test/docker-alpha:1.0`;
  const head = await fetch(`http://${state.registry!.host}/v2/kubeseed-test/docker-alpha/manifests/1.0`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.list.v2+json' },
  });
  const digest = head.headers.get('docker-content-digest')!;
  const archive = output(state);
  const result = await archiveImages({ images: [reference], arches: ['amd64'], output: archive, client: fastClient() });
  assert.is(result.images[0]?.digest, digest);
  await state.containerd!.ctr(['images', 'import', archive]);
  assert.is((await ctrImages(state.containerd!)).get(reference), digest);
});

airGap(
  'a missing architecture and a plain-HTTP registry without --insecure are refused with what to do',
  async (state) => {
    const single = ref(state, byName(state, 'single'));
    const noArm = await refused(
      archiveImages({ images: [single], arches: ['amd64', 'arm64'], output: output(state), client: fastClient() }),
    );
    assert.match(noArm.message, 'not one for linux/arm64');
    const noTls = await refused(
      archiveImages({ images: [single], arches: ['amd64'], output: output(state), client: fastClient(false) }),
    );
    assert.match(noTls.message, '--insecure');
  },
);

airGap('kubeseed images archive and list, as the CLI runs them', async (state) => {
  const archive = output(state);
  const bundled = await runCliOk([
    'images',
    'archive',
    '--images',
    state.images.map((image) => ref(state, image)).join(','),
    '--arch',
    'amd64',
    '-o',
    archive,
    '--insecure',
  ]);
  const listed = await runCliOk(['images', 'list', '--kubernetes-version', '1.33.2', '--kube-vip']);
  assert.match(bundled.stderr, /downloading \d+ blobs/);
  const text = bundled.stdout + listed.stdout;
  assert.match(text, `${archive}: 3 images for linux/amd64`);
  assert.match(text, /registry\.k8s\.io\/pause:3\.10\n/);
  assert.match(text, /ghcr\.io\/flannel-io\/flannel:v0\.28\.9\n/);
  assert.match(text, /ghcr\.io\/kube-vip\/kube-vip:v\d/);
  await runCliRefused(['images', 'archive', '--images', 'x', '-o', archive], 2, /--arch is required/);
});

airGap.run();
