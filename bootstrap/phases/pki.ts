// Control planes get the 8 shared files before kubeadm runs: kubeadm reuses a CA it
// finds instead of making a new one, so every control plane signs with the same CAs.
// `kubeadm reset` deletes them, so the kubeadm phase puts them back before each try.
import { isPrivateKeyFile, SHARED_PKI_FILES, sharedPkiFiles } from '../../core/node-bundle.ts';
import { requireSecrets } from '../fresh-bundle.ts';
import { PKI_DIR } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';

function modeOf(path: (typeof SHARED_PKI_FILES)[number]): number {
  return isPrivateKeyFile(path) ? 0o600 : 0o644;
}

export function isControlPlane(ctx: PhaseContext): boolean {
  return ctx.bundle.node.role !== 'worker';
}

export async function writeSharedPki(ctx: PhaseContext): Promise<void> {
  requireSecrets(ctx.bundle, ctx.bundlePath, 'placing the shared cluster CAs');
  await ctx.host.makeDirectory(PKI_DIR, 0o700);
  await ctx.host.makeDirectory(`${PKI_DIR}/etcd`, 0o700);
  for (const file of sharedPkiFiles(ctx.bundle))
    await ctx.host.writeFile(`${PKI_DIR}/${file.path}`, file.content, modeOf(file.path));
}

async function sharedPkiInPlace(ctx: PhaseContext): Promise<boolean> {
  for (const file of sharedPkiFiles(ctx.bundle)) {
    const path = `${PKI_DIR}/${file.path}`;
    if ((await ctx.host.stat(path))?.mode !== modeOf(file.path)) return false;
    if ((await ctx.host.readFile(path)) !== file.content) return false;
  }
  return true;
}

export const pki: Phase = {
  name: 'pki',
  summary: 'place the shared cluster CAs and service-account keys',
  runIf: isControlPlane,
  async run(ctx) {
    await writeSharedPki(ctx);
    ctx.log.info(`wrote ${SHARED_PKI_FILES.length} files into ${PKI_DIR}`);
  },
  isDone: sharedPkiInPlace,
};
