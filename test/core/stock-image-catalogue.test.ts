// The catalogue a stock image trusts: the Kubernetes repositories and their pinned key, the
// containerd versions each minor supports (containerd's RELEASES.md), and the pinned release
// files that stand in where a distribution has none of them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ARCHES } from '../../core/arch.ts';
import { SUPPORTED_MINORS } from '../../core/kubernetes-versions.ts';
import {
  COMMUNITY_KEY_MINOR,
  CONTAINERD_RELEASES,
  CONTAINERD_SUPPORT,
  conntrackPackage,
  containerdSupports,
  KUBERNETES_PACKAGE_REPOSITORY,
  mirroredUrl,
  repositoryFor,
  upstreamVersion,
} from '../../core/package-catalogue.ts';

const test = suite('stock image: package catalogue');

test('pkgs.k8s.io: one repository per minor, the key from the newest minor, the one pinned fingerprint', () => {
  assert.is(KUBERNETES_PACKAGE_REPOSITORY.keyFingerprint, 'DE15B14486CD377B9E876E1A234654DA9A296436');
  assert.is(COMMUNITY_KEY_MINOR, SUPPORTED_MINORS.at(-1));
  assert.equal(repositoryFor('1.34', 'deb'), {
    url: 'https://pkgs.k8s.io/core:/stable:/v1.34/deb/',
    keyUrl: `https://pkgs.k8s.io/core:/stable:/v${COMMUNITY_KEY_MINOR}/deb/Release.key`,
    keyFingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436',
  });
  assert.equal(repositoryFor('1.31', 'rpm'), {
    url: 'https://pkgs.k8s.io/core:/stable:/v1.31/rpm/',
    keyUrl: `https://pkgs.k8s.io/core:/stable:/v${COMMUNITY_KEY_MINOR}/rpm/repodata/repomd.xml.key`,
    keyFingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436',
  });
});

test('a site mirror keeps the layout, its own key, and is asked for the key at the cluster’s minor', () => {
  const mirror = { url: 'http://mirror.example/k8s', keyFingerprint: '69D53266274B6188027022F5C9AFF5BB2F389AED' };
  assert.equal(repositoryFor('1.33', 'deb', mirror), {
    url: 'http://mirror.example/k8s/v1.33/deb/',
    keyUrl: 'http://mirror.example/k8s/v1.33/deb/Release.key',
    keyFingerprint: mirror.keyFingerprint,
  });
  const release = CONTAINERD_RELEASES['1.34']!.containerd.url.arm64;
  assert.is(
    mirroredUrl(release, 'http://files.example/github'),
    'http://files.example/github/containerd/containerd/releases/download/v2.1.9/containerd-static-2.1.9-linux-arm64.tar.gz',
  );
  assert.is(mirroredUrl(release, undefined), release);
});

test('containerd versions as distributions name them, against RELEASES.md', () => {
  assert.is(upstreamVersion('1.7.24~ds1-6+deb13u1'), '1.7.24');
  assert.is(upstreamVersion('2.2.1-0ubuntu1~24.04.3'), '2.2.1');
  assert.is(upstreamVersion('1:1.7.28-1'), '1.7.28');
  assert.is(upstreamVersion('v2.1.9'), '2.1.9');
  assert.is(upstreamVersion('2.1.9+unknown'), '2.1.9');
  assert.is(upstreamVersion('unknown'), undefined);
  // Debian 12: 1.6.20 fits no supported minor.
  for (const minor of SUPPORTED_MINORS) assert.not.ok(containerdSupports(minor, '1.6.20~ds1-1+deb12u3'), minor);
  // Debian 13: 1.7.24 for 1.31–1.33 only.
  const trixie = SUPPORTED_MINORS.filter((minor) => containerdSupports(minor, '1.7.24~ds1-6+deb13u1'));
  assert.equal(trixie, ['1.31', '1.32', '1.33']);
  // sid/forky 2.1.9: every minor whose row lists 2.1.
  const sid = SUPPORTED_MINORS.filter((minor) => containerdSupports(minor, '2.1.9+ds1-5'));
  assert.equal(sid, ['1.31', '1.32', '1.33', '1.34', '1.35']);
  // Ubuntu 24.04's 2.2.1: the rows that list 2.2.
  const noble = SUPPORTED_MINORS.filter((minor) => containerdSupports(minor, '2.2.1-0ubuntu1~24.04.3'));
  assert.equal(noble, ['1.35', '1.36']);
  assert.not.ok(containerdSupports('1.34', '2.1.2'), 'below the 2.1.3 minimum');
  assert.ok(containerdSupports('1.34', '2.1.3'));
});

test('every supported minor has a support row and a pinned containerd release that row accepts, for both architectures', () => {
  assert.equal(Object.keys(CONTAINERD_SUPPORT), [...SUPPORTED_MINORS]);
  assert.equal(Object.keys(CONTAINERD_RELEASES), [...SUPPORTED_MINORS]);
  for (const minor of SUPPORTED_MINORS) {
    const release = CONTAINERD_RELEASES[minor]!;
    assert.ok(
      containerdSupports(minor, release.containerd.version),
      `${minor}: containerd ${release.containerd.version}`,
    );
    for (const arch of ARCHES) {
      for (const file of [release.containerd, release.runc]) {
        assert.match(file.sha256[arch], /^[0-9a-f]{64}$/, `${minor} ${arch}`);
        assert.ok(file.url[arch].startsWith('https://github.com/'), file.url[arch]);
        assert.ok(file.url[arch].includes(file.version) && file.url[arch].includes(arch), file.url[arch]);
      }
    }
    assert.is.not(release.containerd.sha256.amd64, release.containerd.sha256.arm64);
  }
});

test('conntrack only below 1.32, named per package format', () => {
  assert.is(conntrackPackage('1.31', 'deb'), 'conntrack');
  assert.is(conntrackPackage('1.31', 'rpm'), 'conntrack-tools');
  assert.is(conntrackPackage('1.32', 'deb'), undefined);
  assert.is(conntrackPackage('1.36', 'rpm'), undefined);
});

test.run();
