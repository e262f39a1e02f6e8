import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../core/errors.ts';
import { apiHost, containerdName, formatReference, parseReference } from '../../core/image-reference.ts';
import { parseChallenge } from '../../images/registry/auth.ts';
import { parseImageDocument } from '../../images/registry/documents.ts';
import { parseArches, platformMatches, selectManifest } from '../../images/registry/platform.ts';

const references = suite('image references, challenges, platforms');
const DIGEST = `sha256:${'ab'.repeat(32)}`;

references('a bare name is a docker.io library image at latest', () => {
  assert.equal(parseReference('busybox'), { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' });
  assert.is(containerdName(parseReference('busybox:1.36')), 'docker.io/library/busybox:1.36');
  assert.is(containerdName(parseReference('index.docker.io/library/busybox')), 'docker.io/library/busybox:latest');
  assert.is(apiHost('docker.io'), 'registry-1.docker.io');
});

references('a first component with a dot, a port or localhost is the registry', () => {
  assert.equal(parseReference('registry.k8s.io/coredns/coredns:v1.12.0'), {
    registry: 'registry.k8s.io',
    repository: 'coredns/coredns',
    tag: 'v1.12.0',
  });
  assert.equal(parseReference('127.0.0.1:5000/k8s/pause:3.10'), {
    registry: '127.0.0.1:5000',
    repository: 'k8s/pause',
    tag: '3.10',
  });
  assert.equal(parseReference('localhost/pause'), { registry: 'localhost', repository: 'pause', tag: 'latest' });
  assert.equal(parseReference('flannel-io/flannel:v0.28.9'), {
    registry: 'docker.io',
    repository: 'flannel-io/flannel',
    tag: 'v0.28.9',
  });
});

references('a digest names the image whatever the tag, as containerd files it', () => {
  const both = parseReference(`ghcr.io/kube-vip/kube-vip:v1.2.4@${DIGEST}`);
  assert.equal(both, { registry: 'ghcr.io', repository: 'kube-vip/kube-vip', tag: 'v1.2.4', digest: DIGEST });
  assert.is(formatReference(both), `ghcr.io/kube-vip/kube-vip:v1.2.4@${DIGEST}`);
  assert.is(containerdName(both), `ghcr.io/kube-vip/kube-vip@${DIGEST}`);
  assert.equal(parseReference(`pause@${DIGEST}`), {
    registry: 'docker.io',
    repository: 'library/pause',
    digest: DIGEST,
  });
});

references('malformed references are refused with what is wrong', () => {
  for (const [text, why] of [
    ['Registry.example.com/UPPER:1', 'upper-case'],
    ['busybox@sha256:123', 'malformed sha256'],
    ['busybox@md5:abc', 'not sha256'],
    ['busybox:bad/tag', 'invalid registry host'],
    ['example.com/a//b', 'invalid repository'],
    ['busybox:-x', 'invalid tag'],
    ['', 'no repository'],
  ] as const) {
    try {
      parseReference(text);
      assert.unreachable(text);
    } catch (error) {
      assert.instance(error, KubeseedError, text);
      assert.match((error as Error).message, why, text);
    }
  }
});

references('a Bearer challenge yields realm, service and scope', () => {
  assert.equal(
    parseChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    ),
    {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/busybox:pull',
      },
    },
  );
  assert.equal(parseChallenge('Basic realm="Registry Realm"'), {
    scheme: 'basic',
    params: { realm: 'Registry Realm' },
  });
  assert.equal(parseChallenge('Bearer realm=https://r.example/t, service="a \\"quoted\\" name"').params, {
    realm: 'https://r.example/t',
    service: 'a "quoted" name',
  });
});

references('platform selection follows containerd: linux only, arm64 v8 equals no variant', () => {
  const entry = (architecture: string, variant?: string, os = 'linux') => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: DIGEST,
    size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  assert.ok(platformMatches(entry('arm64', 'v8').platform, 'arm64'));
  assert.ok(platformMatches(entry('arm64').platform, 'arm64'));
  assert.ok(platformMatches(entry('aarch64').platform, 'arm64'));
  assert.ok(platformMatches(entry('x86_64').platform, 'amd64'));
  assert.not.ok(platformMatches(entry('amd64', undefined, 'windows').platform, 'amd64'));
  assert.not.ok(platformMatches(entry('arm', 'v7').platform, 'arm64'));
  assert.not.ok(platformMatches(entry('amd64', 'v3').platform, 'amd64'));
  const attestation = entry('unknown', undefined, 'unknown');
  assert.equal(selectManifest([attestation, entry('arm', 'v7'), entry('arm64', 'v8')], 'arm64')?.platform, {
    os: 'linux',
    architecture: 'arm64',
    variant: 'v8',
  });
  assert.is(selectManifest([attestation, entry('arm', 'v7')], 'arm64'), undefined);
  assert.equal(parseArches('amd64, arm64,amd64'), ['amd64', 'arm64']);
  assert.throws(() => parseArches('amd64,riscv64'), /riscv64/);
});

references('manifests: schema 1 and non-image artifacts are refused by name', () => {
  const where = 'example.com/x:1';
  assert.throws(() => parseImageDocument(Buffer.from('{"schemaVersion":1,"name":"x"}'), undefined, where), /schema 1/);
  assert.throws(
    () =>
      parseImageDocument(
        Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.cncf.helm.chart.v1+json"}'),
        undefined,
        where,
      ),
    /not an image/,
  );
  const index = parseImageDocument(
    Buffer.from(
      `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"${DIGEST}","size":3}]}`,
    ),
    'application/vnd.oci.image.index.v1+json',
    where,
  );
  assert.is(index.kind, 'index');
});

references.run();
