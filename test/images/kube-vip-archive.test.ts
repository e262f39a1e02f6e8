// kube-vip is pinned as `ghcr.io/kube-vip/kube-vip:TAG@sha256:…` (images/kube-vip-image.ts).
// What a pin of that form does on its way to an air-gapped control plane, with real parts on
// 127.0.0.1: a registry (docker-registry, filled by skopeo) holding a test image under
// kube-vip's repository and tag, kubeseed's archive, and a private containerd importing it.
// The test image is not kube-vip (there is no network here): what is checked is the pin's
// form, which the catalogue's own pin shares.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingImages, parseCtrImagesList } from '../../bootstrap/image-completeness.ts';
import { KubeseedError } from '../../core/errors.ts';
import { archiveImages } from '../../images/image-archive.ts';
import { KUBE_VIP_DIGEST, KUBE_VIP_IMAGE, KUBE_VIP_VERSION } from '../../images/kube-vip-image.ts';
import { RegistryClient } from '../../images/registry/client.ts';
import { startContainerd, type TestContainerd } from '../helpers/containerd.ts';
import { pushLayout, startRegistry, type TestRegistry } from '../helpers/registry.ts';
import { buildTestImages, type LayoutImage } from '../helpers/test-images.ts';
import { needing } from '../helpers/tools.ts';

interface State {
  dir: string;
  registry?: TestRegistry;
  containerd?: TestContainerd;
  /** Pushed as kube-vip/kube-vip:TAG first. */
  first?: LayoutImage;
  /** Pushed under the same tag afterwards: the tag moved. */
  second?: LayoutImage;
  setupError?: unknown;
}

const REPOSITORY = 'kube-vip/kube-vip';
const pinned = (state: State, digest: string) => `${state.registry!.host}/${REPOSITORY}:${KUBE_VIP_VERSION}@${digest}`;
const client = () => new RegistryClient({ insecure: true, retryDelayMs: () => 10 });

// A private containerd needs root (its snapshotter mounts); the images are made of Debian's static busybox.
const pin = needing(
  suite<State>('kube-vip: the tag@digest pin through an air-gap archive (registry, archive, containerd)', { dir: '' }),
  { root: true, tools: ['docker-registry', 'skopeo', 'containerd', 'ctr', 'runc', '/bin/busybox'] },
);

pin.before(async (state) => {
  try {
    state.dir = mkdtempSync(join(tmpdir(), 'kubeseed-kube-vip-pin-'));
    const built = await buildTestImages(join(state.dir, 'layouts'));
    [state.first, state.second] = built.images;
    state.registry = await startRegistry();
    await pushLayout(state.first!.layout, '1.0', `${state.registry.host}/${REPOSITORY}:${KUBE_VIP_VERSION}`);
    state.containerd = await startContainerd();
  } catch (error) {
    state.setupError = error;
  }
});

pin.before.each((state) => {
  if (state.setupError) throw state.setupError;
});

pin.after(async (state) => {
  await state.containerd?.stop();
  await state.registry?.stop();
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
});

pin('the catalogue pins kube-vip in this form: its release as the tag, the index digest after it', () => {
  assert.is(KUBE_VIP_IMAGE, `ghcr.io/${REPOSITORY}:${KUBE_VIP_VERSION}@${KUBE_VIP_DIGEST}`);
});

pin(
  'archived and imported, a tag@digest pin is in containerd under the digest, as the agent then finds it',
  async (state) => {
    const reference = pinned(state, state.first!.digest);
    const archive = join(state.dir, 'pinned', 'images.tar');
    const result = await archiveImages({
      images: [reference],
      arches: ['amd64', 'arm64'],
      output: archive,
      client: client(),
    });
    assert.is(result.images[0]!.digest, state.first!.digest);
    assert.is(result.images[0]!.name, `${state.registry!.host}/${REPOSITORY}@${state.first!.digest}`);
    await state.containerd!.ctr(['images', 'import', '--all-platforms', archive]);
    const present = parseCtrImagesList(await state.containerd!.ctr(['images', 'ls']));
    assert.ok(present.includes(`${state.registry!.host}/${REPOSITORY}@${state.first!.digest}`), present.join('\n'));
    assert.equal(missingImages([reference], present), [], "the images phase's check passes");
  },
);

pin('when the tag moves to other bytes, the pin still archives the digest it names', async (state) => {
  await pushLayout(state.second!.layout, '1.0', `${state.registry!.host}/${REPOSITORY}:${KUBE_VIP_VERSION}`);
  const archive = join(state.dir, 'moved', 'images.tar');
  const result = await archiveImages({
    images: [pinned(state, state.first!.digest)],
    arches: ['amd64'],
    output: archive,
    client: client(),
  });
  assert.is(result.images[0]!.digest, state.first!.digest);
  assert.is.not(state.second!.digest, state.first!.digest);
});

pin('a pin whose digest the registry does not hold fails, naming the image, and writes no archive', async (state) => {
  const absent = `sha256:${'0'.repeat(64)}`;
  const archive = join(state.dir, 'absent', 'images.tar');
  try {
    await archiveImages({ images: [pinned(state, absent)], arches: ['amd64'], output: archive, client: client() });
    assert.unreachable('archived an image the registry does not hold');
  } catch (error) {
    assert.instance(error, KubeseedError);
    assert.match((error as Error).message, `${REPOSITORY}@${absent}: cannot get the manifest`);
    assert.match((error as Error).message, 'manifest unknown');
  }
  assert.not.ok(existsSync(archive), 'no archive');
  const present = parseCtrImagesList(await state.containerd!.ctr(['images', 'ls']));
  assert.equal(missingImages([pinned(state, absent)], present), [pinned(state, absent)], 'the agent would stop on it');
});

pin.run();
