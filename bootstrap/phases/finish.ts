// Success is recorded only when every other phase is done (or does not apply to this
// node), never on a failure path: completed.json is what other tools wait for. Then the
// node's secrets leave the disk (secrets-at-rest.ts).
import { KubeseedError } from '../../core/errors.ts';
import { COMPLETED_PATH } from '../paths.ts';
import type { Phase } from '../phase.ts';
import { scrubSecrets } from '../secrets-at-rest.ts';

export const finish: Phase = {
  name: 'finish',
  summary: 'record that this node is bootstrapped, then scrub its secrets from the disk',
  async run(ctx) {
    const unfinished = ctx
      .progress()
      .filter(({ name, status }) => name !== 'finish' && status !== 'done' && status !== 'skipped')
      .map(({ name, status }) => `${name} (${status})`);
    if (unfinished.length > 0)
      throw new KubeseedError(
        'invalid-state',
        `not every phase is done: ${unfinished.join(', ')}; run \`kubeseed-boot run\``,
      );
    const { cluster, node } = ctx.bundle;
    const status = {
      cluster: cluster.name,
      node: node.name,
      role: node.role,
      kubernetesVersion: cluster.kubernetesVersion,
      completedAt: await ctx.recordCompleted(),
    };
    await ctx.host.writeFile(COMPLETED_PATH, `${JSON.stringify(status, null, 2)}\n`, 0o644);
    ctx.log.info(`node ${node.name} is bootstrapped`);
    // Recorded done only after this: a crash here runs finish, and so the scrub, again.
    await scrubSecrets(ctx.host, ctx.log, ctx.bundlePath, ctx.bundle);
  },
  async isDone(ctx) {
    return ctx.completedAt !== undefined && (await ctx.host.stat(COMPLETED_PATH)) !== undefined;
  },
};
