// Air-gapped nodes: the image archives baked into the machine image are checked against
// the bundle's sha256 (a truncated or swapped archive fails here, not as an ImagePullBackOff
// later) and imported into the namespace the kubelet uses.
import { createHash } from 'node:crypto';
import type { ImageArchive } from '../../bundle.ts';
import { KubeseedError } from '../../errors.ts';
import { mustRun } from '../commands.ts';
import type { PhaseContext } from '../context.ts';
import type { Phase } from '../phase.ts';

async function verify(ctx: PhaseContext, archive: ImageArchive): Promise<void> {
  if ((await ctx.host.stat(archive.path))?.type !== 'file') {
    throw new KubeseedError('io', `image archive ${archive.path} is missing: the machine image must carry it`);
  }
  const hash = createHash('sha256');
  for await (const chunk of ctx.host.readStream(archive.path)) hash.update(chunk);
  const actual = hash.digest('hex');
  if (actual !== archive.sha256) {
    throw new KubeseedError('io', `image archive ${archive.path} has sha256 ${actual}, the bundle expects ${archive.sha256}: the archive is damaged or not the one the bundle was made for`);
  }
}

async function importArchive(ctx: PhaseContext, archive: ImageArchive): Promise<void> {
  const address = ctx.bundle.runtime.criSocket.replace(/^unix:\/\//, '');
  await mustRun(ctx, ['ctr', '--address', address, '-n', 'k8s.io', 'images', 'import', archive.path], { timeoutMs: 30 * 60_000 });
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
    // The check that every image kubeadm and the add-ons need is now present belongs here.
  },
  // containerd's image store persists across reboots: the state record is the evidence.
  async isDone() {
    return true;
  },
};
