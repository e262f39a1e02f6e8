// Air-gapped nodes: the image archives baked into the machine image are checked against
// the bundle's sha256 (a truncated or swapped archive fails here, not as an ImagePullBackOff
// later) and imported into the namespace the kubelet uses; then every image the node
// will need must be there, or the phase stops with the list of what is missing.
import { createHash } from 'node:crypto';
import { KubeseedError } from '../../core/errors.ts';
import type { ImageArchive } from '../../core/node-bundle.ts';
import { mustRun } from '../commands.ts';
import { missingImages, parseCtrImagesList } from '../image-completeness.ts';
import { IMAGES_CONFIG_PATH, KUBEADM_CONFIG_PATH, OWNED_HEADER } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';

async function verify(ctx: PhaseContext, archive: ImageArchive): Promise<void> {
  if ((await ctx.host.stat(archive.path))?.type !== 'file') {
    throw new KubeseedError(
      'invalid-input',
      `image archive ${archive.path} is missing: the machine image must carry it`,
    );
  }
  const hash = createHash('sha256');
  for await (const chunk of ctx.host.readStream(archive.path)) hash.update(chunk);
  const actual = hash.digest('hex');
  if (actual !== archive.sha256) {
    throw new KubeseedError(
      'integrity',
      `image archive ${archive.path} has sha256 ${actual}, the bundle expects ${archive.sha256}: the archive is damaged or not the one the bundle was made for`,
    );
  }
}

function ctr(ctx: PhaseContext, ...args: string[]): string[] {
  return ['ctr', '--address', ctx.bundle.runtime.criSocket.replace(/^unix:\/\//, ''), '-n', 'k8s.io', ...args];
}

async function importArchive(ctx: PhaseContext, archive: ImageArchive): Promise<void> {
  await mustRun(ctx, ctr(ctx, 'images', 'import', archive.path), { timeoutMs: 30 * 60_000 });
}

/**
 * kubeadm's images come from kubeadm itself (its etcd and CoreDNS tags move between
 * patch releases). A join node's own config is a JoinConfiguration, which
 * `kubeadm config images list` cannot read: it gets a ClusterConfiguration with the
 * cluster's version and image repository, the latter read off the sandbox image, which
 * kubeadm always names <imageRepository>/pause:<tag>.
 */
async function imagesConfigPath(ctx: PhaseContext): Promise<string> {
  // A scrubbed bundle's InitConfiguration has no valid token left: kubeadm would reject it.
  if (ctx.bundle.node.role === 'init' && ctx.bundle.scrubbedAt === undefined) {
    await ctx.host.writeFile(KUBEADM_CONFIG_PATH, ctx.bundle.kubeadm.config, 0o600);
    return KUBEADM_CONFIG_PATH;
  }
  const repository = ctx.bundle.runtime.sandboxImage.replace(/\/pause(:[^/]*)?$/, '');
  const document = [
    `${OWNED_HEADER}`,
    'apiVersion: kubeadm.k8s.io/v1beta4',
    'kind: ClusterConfiguration',
    `kubernetesVersion: v${ctx.bundle.cluster.kubernetesVersion}`,
    `imageRepository: ${repository}`,
    '',
  ].join('\n');
  await ctx.host.writeFile(IMAGES_CONFIG_PATH, document, 0o644);
  return IMAGES_CONFIG_PATH;
}

/** Before kubeadm touches anything: every image it, the add-ons and containerd's sandbox need is here. */
async function checkComplete(ctx: PhaseContext): Promise<void> {
  const listed = await mustRun(ctx, ['kubeadm', 'config', 'images', 'list', '--config', await imagesConfigPath(ctx)], {
    timeoutMs: 5 * 60_000,
  });
  const required = [
    ...parseCtrImagesList(listed.stdout),
    ...ctx.bundle.images.required,
    ctx.bundle.runtime.sandboxImage,
  ];
  const present = parseCtrImagesList((await mustRun(ctx, ctr(ctx, 'images', 'ls', '-q'))).stdout);
  const missing = missingImages(required, present);
  if (missing.length === 0) {
    ctx.log.info(`all ${new Set(required).size} required images are present`);
    return;
  }
  const list = missing.join(', ');
  if (ctx.bundle.runtime.registryMirrors.length > 0) {
    ctx.log.warn(`not in the image archives, to be pulled through the registry mirrors: ${list}`);
    return;
  }
  throw new KubeseedError(
    'preflight',
    `${missing.length} image(s) are in no archive and this node has no registry mirror to pull them from; add them to the archive (kubeseed images bundle) and rebuild the machine image`,
    missing.map((image) => ({ path: 'images', message: `${image} is missing` })),
  );
}

export const images: Phase = {
  name: 'images',
  summary: 'verify and import the air-gap image archives',
  async run(ctx) {
    const { archives } = ctx.bundle.images;
    if (archives.length === 0) {
      ctx.log.info('no image archives in the bundle; images come from the registries');
      return;
    }
    for (const archive of archives) await verify(ctx, archive);
    for (const archive of archives) await importArchive(ctx, archive);
    await checkComplete(ctx);
  },
  // containerd's image store persists across reboots: the state record is the evidence.
  async isDone() {
    return true;
  },
};
