import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../core/errors.ts';
import { kubeadmImages, SUPPORTED_MINORS, sandboxImage } from '../../core/kubernetes-versions.ts';
import { releasesWithFacts, upstreamImageList, upstreamImageTags } from '../upstream-facts/kubeadm-images.ts';

const versions = suite('kubernetes versions');

versions('the supported minors are 1.31 to 1.36', () => {
  assert.equal(SUPPORTED_MINORS, ['1.31', '1.32', '1.33', '1.34', '1.35', '1.36']);
});

versions('every release the upstream facts hold lists exactly what that released kubeadm lists', () => {
  const releases = releasesWithFacts();
  assert.ok(releases.length > 50, `${releases.length} releases`);
  for (const minor of SUPPORTED_MINORS) assert.ok(releases.includes(`${minor}.0`), minor);
  for (const release of releases) assert.equal(kubeadmImages(release), upstreamImageList(release), release);
});

versions('tags that moved in a patch release: CoreDNS from 1.31.1, etcd from 1.31.14, 1.32.10, 1.33.6, 1.34.2', () => {
  const moves: [before: string, after: string, image: 'coredns' | 'etcd'][] = [
    ['1.31.0', '1.31.1', 'coredns'],
    ['1.31.13', '1.31.14', 'etcd'],
    ['1.32.9', '1.32.10', 'etcd'],
    ['1.33.5', '1.33.6', 'etcd'],
    ['1.34.1', '1.34.2', 'etcd'],
  ];
  for (const [before, after, image] of moves) {
    const pick = (version: string) => kubeadmImages(version).find((name) => name.includes(`/${image}:`));
    assert.is.not(pick(before), pick(after), `${image} ${before} → ${after}`);
    assert.equal(
      pick(after),
      upstreamImageList(after).find((name) => name.includes(`/${image}:`)),
    );
  }
  assert.is(moves.length, 5);
});

versions("a custom repository takes every image and drops CoreDNS's coredns/ path", () => {
  for (const release of ['1.31.0', '1.34.1', '1.36.3'])
    assert.equal(
      kubeadmImages(release, 'mirror.example.com/k8s'),
      upstreamImageList(release, 'mirror.example.com/k8s'),
    );
});

versions("the sandbox image is the released kubeadm's pause, for every release the facts hold", () => {
  const releases = releasesWithFacts();
  for (const release of releases) {
    assert.is(sandboxImage(release), `registry.k8s.io/pause:${upstreamImageTags(release)!.pause}`, release);
    assert.is(
      sandboxImage(release, 'mirror.example.com'),
      `mirror.example.com/pause:${upstreamImageTags(release)!.pause}`,
    );
  }
});

versions('a patch release later than the facts reach takes its minor’s last known tags', () => {
  assert.equal(kubeadmImages('1.36.9').slice(4), upstreamImageList('1.36.3').slice(4));
});

versions('unsupported or malformed versions are refused', () => {
  for (const version of ['1.30.4', '1.37.0', 'v1.33.2', '1.33']) {
    try {
      kubeadmImages(version);
      assert.unreachable(version);
    } catch (error) {
      assert.instance(error, KubeseedError, version);
      assert.is((error as KubeseedError).code, 'invalid-spec');
    }
  }
  assert.throws(
    () => sandboxImage('1.29.0'),
    (error: unknown) => error instanceof KubeseedError,
  );
});

versions.run();
