// The cluster spec and the node bundle share their declarations of registry mirrors, image
// archives and endpoints: what the generator accepts, the agent accepts, with the same
// message when it does not. Both sides run their real loaders on real text.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { KubeseedError, type Problem } from '../../../core/errors.ts';
import { type NodeBundle, parseBundle, renderBundle } from '../../../core/node-bundle.ts';
import { loadSpec } from '../../../generator/spec/load.ts';
import { type ClusterSpec, formatEndpoint } from '../../../generator/spec/types.ts';
import { makeBundle, makePki } from '../../bootstrap/helpers.ts';
import { needing } from '../../helpers/tools.ts';

const SPEC = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: demo
kubernetesVersion: 1.33.2
networking:
  podSubnet: 10.244.0.0/16
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.10
machineImage: prepared
`;

type Outcome<T> = { value: T } | { problems: string[] };

/** Problems relative to the item, so the spec's and the bundle's can be compared. */
async function outcome<T>(load: () => T | Promise<T>, itemPath: string): Promise<Outcome<T>> {
  try {
    return { value: await load() };
  } catch (error) {
    if (!(error instanceof KubeseedError)) throw error;
    return {
      problems: error.problems.map(
        (problem: Problem) => `${problem.path.replace(itemPath, '').replace(/^\./, '')}: ${problem.message}`,
      ),
    };
  }
}

function inSpec(extra: string, itemPath = ''): Promise<Outcome<ClusterSpec>> {
  return outcome(async () => (await loadSpec(`${SPEC}${extra}`)).spec, itemPath);
}

function inBundle(change: (bundle: NodeBundle) => NodeBundle, itemPath: string): Promise<Outcome<NodeBundle>> {
  return outcome(() => parseBundle(stringify(change(makeBundle('worker')))), itemPath);
}

// The bundles are made with the agent suites' fixtures, whose PKI openssl makes.
const test = needing(suite('cluster spec and node bundle agree'), { tools: ['openssl'] });

const mirrors: Array<Record<string, unknown>> = [
  { host: 'registry.k8s.io', mirrors: ['https://mirror.local:5000'] },
  { host: 'localhost:5000', mirrors: ['http://10.0.0.1:5000/v2', 'https://[fd00::1]:5000'], skipVerify: true },
  { host: '[fd00::1]:5000', mirrors: ['https://mirror.local'] },
  { host: 'Registry.K8s.io', mirrors: ['https://mirror.local'] },
  { host: 'registry_k8s.io', mirrors: ['https://mirror.local'] },
  { host: 'registry.k8s.io:99999', mirrors: ['https://mirror.local'] },
  { host: 'registry.k8s.io', mirrors: [] },
  { host: 'registry.k8s.io', mirrors: ['ftp://mirror.local', 'mirror.local:5000'] },
  { host: 'registry.k8s.io' },
  { host: 'registry.k8s.io', mirrors: ['https://mirror.local'], caCertificate: 'not a certificate' },
  { host: 'registry.k8s.io', endpoints: ['https://mirror.local'] },
];

test('a registry mirror the spec accepts is one the bundle accepts, and the other way round', async () => {
  const withCa = { host: 'docker.io', mirrors: ['https://mirror.local'], caCertificate: makePki().caCert };
  let accepted = 0;
  for (const mirror of [...mirrors, withCa]) {
    const spec = await inSpec(`registries:\n  - ${JSON.stringify(mirror)}\n`, 'registries[0]');
    const bundle = await inBundle(
      (base) => ({ ...base, runtime: { ...base.runtime, registryMirrors: [mirror as never] } }),
      'runtime.registryMirrors[0]',
    );
    const shown = JSON.stringify(mirror).slice(0, 80);
    if ('problems' in spec) {
      assert.ok('problems' in bundle, `the bundle accepts what the spec refuses: ${shown}`);
      assert.equal(bundle.problems, spec.problems, shown);
      continue;
    }
    accepted++;
    assert.ok('value' in bundle, `the bundle refuses what the spec accepts: ${shown}`);
    // What the generator copies into every bundle is what the agent reads back.
    const generated = { ...makeBundle('worker') };
    generated.runtime = { ...generated.runtime, registryMirrors: spec.value.registries };
    assert.equal(parseBundle(renderBundle(generated)).runtime.registryMirrors, spec.value.registries, shown);
  }
  assert.is(accepted, 4);
});

test('an image archive the spec accepts is one the bundle accepts, and the other way round', async () => {
  const sha256 = 'ab'.repeat(32);
  const archives: Array<Record<string, unknown>> = [
    { path: '/var/lib/kubeseed/images/images.tar', sha256 },
    { path: 'images.tar', sha256 },
    { path: '/var/lib/kubeseed/my images.tar', sha256 },
    { path: '/images.tar', sha256: sha256.toUpperCase() },
    { path: '/images.tar', sha256: `sha256:${sha256}` },
    { path: '/images.tar' },
  ];
  for (const archive of archives) {
    const spec = await inSpec(`imageArchives:\n  - ${JSON.stringify(archive)}\n`, 'imageArchives[0]');
    const bundle = await inBundle(
      (base) => ({ ...base, images: { ...base.images, archives: [archive as never] } }),
      'images.archives[0]',
    );
    const shown = JSON.stringify(archive);
    if ('problems' in spec) {
      assert.ok('problems' in bundle, `the bundle accepts what the spec refuses: ${shown}`);
      assert.equal(bundle.problems, spec.problems, shown);
    } else {
      assert.ok('value' in bundle, `the bundle refuses what the spec accepts: ${shown}`);
      assert.equal((bundle as { value: NodeBundle }).value.images.archives, spec.value.imageArchives);
    }
  }
});

test('a package mirror the spec accepts is one the bundle accepts, and the other way round', async () => {
  const repositories: Array<Record<string, unknown>> = [
    { url: 'http://mirror.local/k8s/core:/stable:/', keyFingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436' },
    { url: 'https://mirror.local/', keyFingerprint: 'de15 b144 86cd 377b 9e87  6e1a 2346 54da 9a29 6436' },
    { url: 'mirror.local', keyFingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436' },
    { url: 'https://mirror.local/', keyFingerprint: '1234' },
    { url: 'https://mirror.local/' },
    { url: 'https://mirror.local/', keyFingerprint: 'DE15B14486CD377B9E876E1A234654DA9A296436', key: 'x' },
  ];
  let accepted = 0;
  for (const repository of repositories) {
    const spec = await inSpec(`packageRepository: ${JSON.stringify(repository)}\n`, 'packageRepository');
    const bundle = await inBundle(
      (base) => ({ ...base, install: { machineImage: 'stock', packageRepository: repository as never } }),
      'install.packageRepository',
    );
    const shown = JSON.stringify(repository);
    if ('problems' in spec) {
      assert.ok('problems' in bundle, `the bundle accepts what the spec refuses: ${shown}`);
      assert.equal(bundle.problems, spec.problems, shown);
      continue;
    }
    accepted++;
    assert.ok('value' in bundle, `the bundle refuses what the spec accepts: ${shown}`);
    assert.equal((bundle as { value: NodeBundle }).value.install.packageRepository, spec.value.packageRepository);
  }
  assert.is(accepted, 2);
});

test('every endpoint the spec accepts reaches the bundle in a form the agent accepts', async () => {
  for (const endpoint of [
    'k8s.example.com',
    'k8s.example.com:443',
    '192.0.2.10',
    '"[2001:db8::10]:6443"',
    '2001:db8::10',
  ]) {
    const spec = await inSpec(`controlPlaneEndpoint: ${endpoint}\n`);
    assert.ok('value' in spec, `${endpoint}: ${JSON.stringify(spec)}`);
    const written = formatEndpoint(spec.value.controlPlaneEndpoint);
    const bundle = await inBundle(
      (base) => ({ ...base, cluster: { ...base.cluster, controlPlaneEndpoint: written } }),
      '',
    );
    assert.ok('value' in bundle, `${written}: ${JSON.stringify(bundle)}`);
  }
});

test.run();
