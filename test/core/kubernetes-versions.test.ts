import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../core/errors.ts';
import {
  KUBEADM_IMAGE_VERSIONS,
  SUPPORTED_MINORS,
  kubeadmImages,
  sandboxImage,
} from '../../core/kubernetes-versions.ts';

const versions = suite('kubernetes versions');

versions('the supported minors are 1.31 to 1.36', () => {
  assert.equal(SUPPORTED_MINORS, ['1.31', '1.32', '1.33', '1.34', '1.35', '1.36']);
});

versions('every supported minor has a pause, CoreDNS and etcd tag', () => {
  for (const minor of SUPPORTED_MINORS) {
    const images = KUBEADM_IMAGE_VERSIONS[minor];
    assert.ok(images, minor);
    assert.match(images.pause, /^\d+\.\d+(\.\d+)?$/, minor);
    assert.match(images.coreDNS, /^v\d+\.\d+\.\d+$/, minor);
    assert.match(images.etcd, /^\d+\.\d+\.\d+-\d+$/, minor);
    const list = kubeadmImages(`${minor}.0`);
    assert.is(list.length, 7, minor);
    for (const image of list) assert.match(image, /^registry\.k8s\.io\/[a-z/-]+:v?[0-9][0-9a-z.-]*$/, image);
  }
});

versions("kubeadmImages lists kubeadm's seven images in its order", () => {
  assert.equal(kubeadmImages('1.33.2'), [
    'registry.k8s.io/kube-apiserver:v1.33.2',
    'registry.k8s.io/kube-controller-manager:v1.33.2',
    'registry.k8s.io/kube-scheduler:v1.33.2',
    'registry.k8s.io/kube-proxy:v1.33.2',
    'registry.k8s.io/coredns/coredns:v1.12.0',
    'registry.k8s.io/pause:3.10',
    'registry.k8s.io/etcd:3.5.21-0',
  ]);
});

versions("a custom repository takes every image and drops CoreDNS's coredns/ path", () => {
  assert.equal(kubeadmImages('1.34.1', 'mirror.example.com/k8s'), [
    'mirror.example.com/k8s/kube-apiserver:v1.34.1',
    'mirror.example.com/k8s/kube-controller-manager:v1.34.1',
    'mirror.example.com/k8s/kube-scheduler:v1.34.1',
    'mirror.example.com/k8s/kube-proxy:v1.34.1',
    'mirror.example.com/k8s/coredns:v1.12.1',
    'mirror.example.com/k8s/pause:3.10.1',
    'mirror.example.com/k8s/etcd:3.6.4-0',
  ]);
});

versions("the sandbox image is kubeadm's pause image", () => {
  assert.is(sandboxImage('1.36.0'), 'registry.k8s.io/pause:3.10.2');
  assert.is(sandboxImage('1.31.4', 'mirror.example.com'), 'mirror.example.com/pause:3.10');
  for (const minor of SUPPORTED_MINORS) {
    assert.ok(kubeadmImages(`${minor}.3`).includes(sandboxImage(`${minor}.3`)), minor);
  }
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
