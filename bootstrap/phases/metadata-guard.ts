// Before kubeadm runs, pods are shut out of the cloud metadata service (metadata-guard.ts):
// the table is loaded now, and the unit that loads it at every boot is in place before
// the kubelet can start a pod.
import { KubeseedError } from '../../core/errors.ts';
import { mustRun } from '../commands.ts';
import { GUARD_TABLE, guardFiles, guardRuleset, LIST_TABLE, METADATA_IPV4, METADATA_IPV6 } from '../metadata-guard.ts';
import { METADATA_GUARD_UNIT } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';

async function findNft(ctx: PhaseContext): Promise<string> {
  const nft = await ctx.host.findExecutable('nft');
  if (nft === undefined) {
    throw new KubeseedError(
      'preflight',
      'nft is not on PATH: keeping pods away from the cloud metadata service needs nftables; install it in the machine image, or turn the guard off for this node in cluster.yaml',
    );
  }
  return nft;
}

async function tableLoaded(ctx: PhaseContext): Promise<boolean> {
  return (await ctx.host.run(LIST_TABLE, { timeoutMs: 30_000 })).code === 0;
}

export const metadataGuard: Phase = {
  name: 'metadata-guard',
  summary: `refuse forwarded traffic to the cloud metadata service (${METADATA_IPV4}, ${METADATA_IPV6})`,
  runIf: (ctx) => ctx.bundle.node.metadataGuard,
  skipReason: () =>
    `turned off for this node (metadataGuard: false in cluster.yaml): its pods can reach ${METADATA_IPV4} and read its user-data`,
  async run(ctx) {
    const files = guardFiles(await findNft(ctx));
    for (const file of files) await ctx.host.writeFile(file.path, file.content, 0o644);
    // The same text as the file the unit loads, through stdin: nothing between writing and loading can differ.
    await mustRun(ctx, ['nft', '-f', '-'], { stdin: guardRuleset(), timeoutMs: 60_000 });
    if (!(await tableLoaded(ctx)))
      throw new KubeseedError('command-failed', `\`nft -f -\` succeeded but table inet ${GUARD_TABLE} is not there`);
    // So the kubelet kubeadm is about to start already requires the unit.
    await mustRun(ctx, ['systemctl', 'daemon-reload'], { timeoutMs: 120_000 });
    ctx.log.info(
      `pods cannot reach ${METADATA_IPV4} or ${METADATA_IPV6} (table inet ${GUARD_TABLE}); ${METADATA_GUARD_UNIT} loads it at every boot before the kubelet`,
    );
  },
  async isDone(ctx) {
    const nft = await ctx.host.findExecutable('nft');
    if (nft === undefined) return false;
    for (const file of guardFiles(nft)) if ((await ctx.host.readFile(file.path)) !== file.content) return false;
    return tableLoaded(ctx);
  },
};
