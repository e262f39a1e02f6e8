// Air-gapped first boot on a real kernel (qemu, no network card): the image carries image
// archives made by kubeseed's bundler from a registry on 127.0.0.1 and installed by the
// users' recipe (`kubeseed agent install --images`); the agent verifies them, imports them
// into the real containerd and checks that every image the node needs is there before
// kubeadm runs. Two boots of the same disk, with two bundles: one naming every archive,
// one leaving out the archive of a single required image.
//
// Names: kubeadm's images are kubeseed's own list for the version (its table) under an
// imageRepository on the test registry, bundled with the CLI as a user would (`kubeseed images
// archive --kubernetes-version … --image-repository …`); what the node then requires is what
// the strict stand-in kubeadm lists, the released kubeadm's tags from the upstream facts. The
// version is 1.31.0, whose CoreDNS (v1.11.1) differs from its release branch's (v1.11.3): a
// table that took the branch's tag leaves CoreDNS out of the archive and the boot fails. The pod
// network's images keep their real ghcr.io names, which the CLI can only pull from ghcr.io
// (it has no name rewriting, and no proxy support): they are bundled by the same code
// (archiveImages) with a registry client whose fetch sends ghcr.io to the test registry.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { agentBinaryPath } from '../../images/agent-binary/ensure.ts';
import { archiveImages } from '../../images/image-archive.ts';
import { imageList } from '../../images/image-list.ts';
import { RegistryClient } from '../../images/registry/client.ts';
import { podNetworks } from '../../templates/index.ts';
import { pushLayout, startRegistry, type TestRegistry } from '../helpers/registry.ts';
import { runCli } from '../helpers/run-cli.ts';
import { buildTestImages, type LayoutImage } from '../helpers/test-images.ts';
import { needing } from '../helpers/tools.ts';
import { upstreamImageList, upstreamImageTags } from '../upstream-facts/kubeadm-images.ts';
import { REPO } from './cache.ts';
import { E2eCluster, type E2eNode } from './cluster.ts';
import { type E2eDisk, e2eDisk } from './disk.ts';
import { exec } from './exec.ts';
import { collectedResults, type GuestResults } from './guest-results.ts';
import { bootQemu, QEMU_BOOT_LIMIT_MS } from './qemu.ts';
import { E2E_KUBERNETES_VERSION, e2eImage } from './rootfs.ts';
import { QEMU_TOOLS } from './tools.ts';
import { E2eWorkDir } from './work-dir.ts';

const NODE = 'cp-1';
const KUBERNETES_VERSION = E2E_KUBERNETES_VERSION;
const FLANNEL_IMAGES = podNetworks.flannel!.images;
/** Left out of the second bundle's archives. */
const MISSING = FLANNEL_IMAGES.find((image) => image.includes('/flannel-cni-plugin:'))!;
const ARCHIVE_DIR = '/var/lib/kubeseed/images';
const TSX = import.meta.resolve('tsx');

interface Archive {
  file: string;
  sha256: string;
  images: string[];
}

interface Booted {
  node: E2eNode;
  result: GuestResults;
}

interface AirGap {
  /** Every image the complete boot must find in containerd. */
  required: string[];
  complete: Booted;
  incomplete: Booted;
}

const work = new E2eWorkDir('air-gap');

function socket(node: E2eNode): string {
  return node.bundle.runtime.criSocket.replace(/^unix:\/\//, '');
}
let scenario: Promise<AirGap> | undefined;

/**
 * `single` of the test images (busybox, amd64) made into one image per name: the same
 * layers, and a config labelled with the name, so each has its own config and manifest.
 * One manifest under several names would also make the bundler store that manifest and
 * its config from concurrent pulls into one `<digest>.partial` file, and fail (ENOENT on
 * the second rename: images/blob-cache.ts putVerified, RegistryClient.downloadBlob).
 */
async function distinctImage(single: LayoutImage, name: string, dir: string): Promise<string> {
  await cp(single.layout, dir, { recursive: true });
  const blobPath = (digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const put = async (mediaType: string, document: unknown) => {
    const bytes = Buffer.from(JSON.stringify(document));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await writeFile(blobPath(digest), bytes);
    return { mediaType, digest, size: bytes.length };
  };
  const manifest = JSON.parse(await readFile(blobPath(single.digest), 'utf8')) as {
    config: { mediaType: string; digest: string };
  };
  const config = JSON.parse(await readFile(blobPath(manifest.config.digest), 'utf8')) as {
    config: Record<string, unknown>;
  };
  const labelled = await put(manifest.config.mediaType, {
    ...config,
    config: { ...config.config, Labels: { 'dev.kubeseed.e2e.image': name } },
  });
  const top = await put('application/vnd.oci.image.manifest.v1+json', { ...manifest, config: labelled });
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': '1.0' } }],
    }),
  );
  return dir;
}

/** Every name pushed to the registry as its own small runnable image. */
async function fillRegistry(registry: TestRegistry, names: string[]): Promise<void> {
  const dir = await work.resultDir('layouts');
  const { images } = await buildTestImages(join(dir, 'test-images'));
  const single = images.find((image) => image.path.includes('/single:'))!;
  await Promise.all(
    names.map(async (name, index) =>
      pushLayout(await distinctImage(single, name, join(dir, String(index))), '1.0', `${registry.host}/${name}`),
    ),
  );
}

/** A registry client for which ghcr.io is the test registry. */
function ghcrAtTestRegistry(registry: TestRegistry): RegistryClient {
  const routed: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (url.host === 'ghcr.io') return fetch(`http://${registry.host}${url.pathname}${url.search}`, init);
    return fetch(input, init);
  };
  return new RegistryClient({ fetch: routed });
}

async function makeArchives(registry: TestRegistry, dir: string): Promise<{ kubeadm: Archive; flannel: Archive[] }> {
  const imageRepository = `${registry.host}/k8s`;
  const kubeadmImages = imageList({ kubernetesVersion: KUBERNETES_VERSION, imageRepository });
  await fillRegistry(registry, [
    ...kubeadmImages.map((image) => image.slice(registry.host.length + 1)),
    ...FLANNEL_IMAGES.map((image) => image.slice('ghcr.io/'.length)),
  ]);
  const kubeadmFile = join(dir, 'kubeadm.tar');
  const bundled = await runCli([
    'images',
    'archive',
    '--kubernetes-version',
    KUBERNETES_VERSION,
    '--image-repository',
    imageRepository,
    '--pod-network',
    'none',
    '--arch',
    'amd64',
    '--insecure',
    '-o',
    kubeadmFile,
  ]);
  if (bundled.code !== 0) throw new Error(`kubeseed images archive failed (${bundled.code}): ${bundled.stderr}`);
  const kubeadm = {
    file: kubeadmFile,
    sha256: readFileSync(`${kubeadmFile}.sha256`, 'utf8').split(' ')[0]!,
    images: kubeadmImages,
  };
  const client = ghcrAtTestRegistry(registry);
  // One archive per pod network image, so a bundle can leave exactly one image out.
  const flannel = await Promise.all(
    FLANNEL_IMAGES.map(async (image) => {
      const file = join(dir, `${basename(image.replace(/:.*/, ''))}.tar`);
      const result = await archiveImages({ images: [image], arches: ['amd64'], output: file, client });
      return { file, sha256: result.sha256, images: [image] };
    }),
  );
  return { kubeadm, flannel };
}

/** The e2e disk with the archives installed by the recipe: its own copy, made with the e2e disk's kernel. */
async function airGapDisk(archives: Archive[]): Promise<E2eDisk> {
  const [image, base, agent] = await Promise.all([e2eImage(), e2eDisk(), agentBinaryPath('amd64')]);
  const rootfs = await work.machineDisk('air-gap', image.rootfs);
  const install = [
    join(REPO, 'generator/main.ts'),
    'agent',
    'install',
    '--root',
    rootfs,
    '--binary',
    agent,
    ...archives.flatMap((archive) => ['--images', archive.file]),
  ];
  await exec(process.execPath, ['--import', TSX, ...install], { timeoutMs: 2 * 60_000 });
  const disk = `${rootfs}.img`;
  await exec('mkfs.ext4', ['-q', '-F', '-L', 'kubeseed-e2e', '-d', rootfs, disk, '3G'], { timeoutMs: 10 * 60_000 });
  await rm(rootfs, { recursive: true });
  return { disk, kernel: base.kernel, initrd: base.initrd };
}

function clusterSpec(imageRepository: string, archives: Archive[]): string {
  return `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: e2e-air-gap
kubernetesVersion: ${KUBERNETES_VERSION}
controlPlaneEndpoint: 192.0.2.10:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
imageRepository: ${imageRepository}
machineImage: prepared
imageArchives:
${archives.map((archive) => `  - path: ${ARCHIVE_DIR}/${basename(archive.file)}\n    sha256: ${archive.sha256}\n`).join('')}nodes:
  - name: ${NODE}
    role: control-plane
    address: 192.0.2.11
`;
}

async function boot(label: string, disk: E2eDisk, spec: string): Promise<Booted> {
  const cluster = new E2eCluster(await work.resultDir(`${label}-cluster`), spec);
  const out = await work.resultDir(label);
  const machine = bootQemu({
    image: disk,
    seedIso: cluster.seedIso(NODE),
    out,
    cpus: 2,
    memoryMiB: 2048,
    timeoutMs: QEMU_BOOT_LIMIT_MS,
  });
  return { node: cluster.node(NODE), result: collectedResults(`air-gap: ${label}`, out, await machine.finished) };
}

async function run(): Promise<AirGap> {
  const registry = await startRegistry();
  let archives: { kubeadm: Archive; flannel: Archive[] };
  try {
    archives = await makeArchives(registry, await work.resultDir('archives'));
  } finally {
    await registry.stop();
  }
  const all = [archives.kubeadm, ...archives.flannel];
  const disk = await airGapDisk(all);
  const imageRepository = archives.kubeadm.images[0]!.replace(/\/kube-apiserver:.*/, '');
  const withoutMissing = all.filter((archive) => !archive.images.includes(MISSING));
  const [complete, incomplete] = await Promise.all([
    boot('complete', disk, clusterSpec(imageRepository, all)),
    boot('incomplete', disk, clusterSpec(imageRepository, withoutMissing)),
  ]);
  return { required: all.flatMap((archive) => archive.images), complete, incomplete };
}

function airGap(): Promise<AirGap> {
  scenario ??= run();
  return scenario;
}

const AirGapBoot = needing(
  suite(
    'e2e: air-gapped first boot of the init node in qemu: archives into the real containerd (stand-in kubeadm, kubelet, kubectl)',
  ),
  { root: true, tools: [...QEMU_TOOLS, 'docker-registry', 'skopeo', '/bin/busybox'] },
);

AirGapBoot.after(() => work.finish());

AirGapBoot(
  'the agent verified and imported every archive into containerd, and found every required image',
  work.check(async () => {
    const { required, complete } = await airGap();
    const log = complete.result.text('kubeseed-boot.log');
    assert.is(complete.node.bundle.images.archives.length, 3);
    for (const archive of complete.node.bundle.images.archives)
      assert.match(
        log,
        ` INFO images running ctr --address ${socket(complete.node)} -n k8s.io images import ${archive.path}\n`,
      );
    // kubeadm's list (7) and the pod network's (2): kubeseed's list is the released kubeadm's.
    const repository = complete.node.bundle.runtime.sandboxImage.replace(/\/pause:.*$/, '');
    assert.equal(required.slice(0, 7), upstreamImageList(KUBERNETES_VERSION, repository));
    assert.is(required.length, 9);
    assert.is(
      complete.node.bundle.runtime.sandboxImage,
      `${repository}/pause:${upstreamImageTags(KUBERNETES_VERSION)!.pause}`,
      "the sandbox image is the released kubeadm's pause",
    );
    assert.match(log, `INFO images all ${required.length} required images are present`);
    const listed = complete.result.standins.calls('kubeadm').find((call) => call.argv[0] === 'config');
    assert.equal(
      listed?.argv,
      ['config', 'images', 'list', '--config', '/etc/kubeseed/kubeadm.yaml'],
      'the completeness check asked kubeadm',
    );
  }),
);

AirGapBoot(
  'with every archive: stand-in kubeadm init ran once, every phase done, no failed units',
  work.check(async () => {
    const { complete } = await airGap();
    assert.equal(
      complete.result.standins.kubeadmRuns().map((call) => call.argv[0]),
      ['init'],
    );
    assert.match(complete.result.text('kubeseed-status.txt'), /^bootstrapped at /m);
    assert.equal(complete.result.phasesNotDone(), []);
    assert.equal(complete.result.failedUnits(), []);
  }),
);

AirGapBoot(
  'one required image in no archive: the images phase fails naming it, and stand-in kubeadm init never runs',
  work.check(async () => {
    const { incomplete } = await airGap();
    const phases = incomplete.result.phases();
    assert.is(phases.images, 'failed');
    assert.ok(phases.kubeadm === undefined || phases.kubeadm === 'pending', `the kubeadm phase is ${phases.kubeadm}`);
    const log = incomplete.result.text('kubeseed-boot.log');
    for (const archive of incomplete.node.bundle.images.archives)
      assert.match(
        log,
        ` INFO images running ctr --address ${socket(incomplete.node)} -n k8s.io images import ${archive.path}\n`,
      );
    assert.match(log, '1 image(s) are in no archive and this node has no registry mirror to pull them from');
    assert.match(log, `${MISSING} is missing`);
    for (const image of FLANNEL_IMAGES.filter((image) => image !== MISSING))
      assert.not.match(log, `${image} is missing`);
    assert.equal(incomplete.result.standins.kubeadmRuns(), []);
  }),
);

AirGapBoot.run();
