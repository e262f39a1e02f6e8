import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingImages, parseCtrImagesList } from '../../bootstrap/image-completeness.ts';

const completeness = suite('image completeness');
const DIGEST = `sha256:${'cd'.repeat(32)}`;

completeness('short and fully qualified names are the same image', () => {
  const present = [
    'docker.io/library/busybox:1.36',
    'registry.k8s.io/pause:3.10',
    'ghcr.io/flannel-io/flannel:v0.28.9',
  ];
  assert.equal(missingImages(['busybox:1.36', 'library/busybox:1.36', 'registry.k8s.io/pause:3.10'], present), []);
  assert.equal(missingImages(['busybox', 'registry.k8s.io/pause:3.9', 'ghcr.io/flannel-io/flannel:v0.28.9'], present), [
    'busybox',
    'registry.k8s.io/pause:3.9',
  ]);
});

completeness('a digest-pinned requirement needs that digest, whatever the tag', () => {
  const required = [`ghcr.io/kube-vip/kube-vip:v1.2.4@${DIGEST}`];
  assert.equal(missingImages(required, ['ghcr.io/kube-vip/kube-vip:v1.2.4']), required);
  assert.equal(missingImages(required, [`ghcr.io/kube-vip/kube-vip@${DIGEST}`]), []);
});

completeness("ctr's quiet listing and its table both parse; the table also yields digest names", () => {
  assert.equal(parseCtrImagesList('registry.k8s.io/pause:3.10\n\nimport-2026-01-01:latest\n'), [
    'registry.k8s.io/pause:3.10',
    'import-2026-01-01:latest',
  ]);
  const table = [
    'REF                              TYPE                                    DIGEST  SIZE    PLATFORMS   LABELS ',
    `ghcr.io/kube-vip/kube-vip:v1.2.4 application/vnd.oci.image.index.v1+json ${DIGEST} 1.0 MiB linux/amd64 -`,
    '',
  ].join('\n');
  const present = parseCtrImagesList(table);
  assert.equal(present, ['ghcr.io/kube-vip/kube-vip:v1.2.4', `ghcr.io/kube-vip/kube-vip@${DIGEST}`]);
  assert.equal(missingImages([`ghcr.io/kube-vip/kube-vip@${DIGEST}`, 'ghcr.io/kube-vip/kube-vip:v1.2.4'], present), []);
  assert.equal(parseCtrImagesList(''), []);
});

completeness.run();
