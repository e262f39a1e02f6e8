// Reads and validates the whole node bundle before anything else happens (Ignition's
// rule: an invalid config never half-applies). Until it succeeds the agent writes nothing.
import { parseBundle } from '../../core/node-bundle.ts';
import { KubeseedError } from '../../core/errors.ts';
import type { Phase } from '../phase.ts';

export const load: Phase = {
  name: 'load',
  summary: 'read and validate the node bundle',
  async run(ctx) {
    const path = ctx.agent.bundlePath;
    const text = await ctx.host.readFile(path);
    if (text === undefined) {
      throw new KubeseedError(
        'invalid-bundle',
        `no node bundle at ${path}: the machine's carrier (cloud-init, Ignition, seed ISO) writes it; pass --bundle PATH to read another file`,
      );
    }
    const bundle = parseBundle(text, path);
    await ctx.agent.useBundle(bundle);
    const mode = (await ctx.host.stat(path))?.mode ?? 0;
    if (mode & 0o077)
      ctx.log.warn(`${path} is readable by others (mode ${mode.toString(8)}); it holds secrets: make it 0600`);
    ctx.log.info(
      `node ${bundle.node.name} (${bundle.node.role}, ${bundle.node.arch}) of cluster ${bundle.cluster.name}, Kubernetes ${bundle.cluster.kubernetesVersion}`,
    );
  },
  async isDone() {
    return false;
  },
};
