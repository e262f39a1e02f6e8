import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../core/errors.ts';
import { parseReference } from '../../core/image-reference.ts';
import { kubeadmImages, sandboxImage } from '../../core/kubernetes-versions.ts';
import { imageList } from '../../images/image-list.ts';
import { KUBE_VIP_IMAGE } from '../../images/kube-vip-image.ts';
import { podNetworks } from '../../templates/index.ts';

const list = suite('image list');

list("kubeadm's images come first, in its order, then the pod network's, then kube-vip", () => {
  assert.equal(imageList({ kubernetesVersion: '1.33.2', podNetwork: 'flannel', kubeVip: true }), [
    ...kubeadmImages('1.33.2'),
    'ghcr.io/flannel-io/flannel:v0.28.9',
    'ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel2',
    KUBE_VIP_IMAGE,
  ]);
  assert.equal(imageList({ kubernetesVersion: '1.33.2' }), kubeadmImages('1.33.2'));
});

list('the list always holds the pause image containerd must use as its sandbox image', () => {
  for (const version of ['1.31.0', '1.34.2', '1.36.1']) {
    assert.ok(
      imageList({ kubernetesVersion: version, podNetwork: 'flannel' }).includes(sandboxImage(version)),
      version,
    );
  }
});

list("a custom repository moves kubeadm's images only, and CoreDNS loses its coredns/ path", () => {
  const images = imageList({
    kubernetesVersion: '1.34.1',
    imageRepository: '127.0.0.1:5000/k8s',
    podNetwork: 'flannel',
  });
  assert.ok(images.includes('127.0.0.1:5000/k8s/coredns:v1.12.1'));
  assert.ok(images.includes('127.0.0.1:5000/k8s/pause:3.10.1'));
  assert.ok(images.includes('ghcr.io/flannel-io/flannel:v0.28.9'), 'the add-on keeps its registry');
  assert.is(images.filter((image) => image.startsWith('127.0.0.1:5000/k8s/')).length, 7);
});

list('every listed image is a valid reference, kube-vip pinned by version and digest', () => {
  for (const image of imageList({ kubernetesVersion: '1.35.0', podNetwork: 'flannel', kubeVip: true }))
    parseReference(image);
  assert.match(KUBE_VIP_IMAGE, /^ghcr\.io\/kube-vip\/kube-vip:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  for (const entry of Object.values(podNetworks))
    for (const image of entry.images) assert.not.match(image, /:latest$/, image);
});

list('an unknown pod network or a malformed repository is refused, naming the field', () => {
  const refused = (run: () => unknown, path: string) => {
    try {
      run();
      assert.unreachable(path);
    } catch (error) {
      assert.instance(error, KubeseedError);
      assert.is((error as KubeseedError).problems[0]?.path, path);
    }
  };
  refused(() => imageList({ kubernetesVersion: '1.33.2', podNetwork: 'calico' }), 'podNetwork');
  refused(
    () => imageList({ kubernetesVersion: '1.33.2', imageRepository: 'Mirror.example.com/K8s' }),
    'imageRepository',
  );
  refused(
    () => imageList({ kubernetesVersion: '1.33.2', imageRepository: 'mirror.example.com/k8s/' }),
    'imageRepository',
  );
  refused(() => imageList({ kubernetesVersion: '1.29.0' }), 'kubernetesVersion');
});

list.run();
