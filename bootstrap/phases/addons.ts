// The init node installs the add-ons (the pod network first of all). Every template is
// checked and rendered before the first `kubectl apply`, then each is applied until the
// API server accepts it (it may still be starting, or a CRD not yet established).
import { createHash } from 'node:crypto';
import { KubeseedError } from '../../core/errors.ts';
import type { AddonRef } from '../../core/node-bundle.ts';
import { Backoff } from '../backoff.ts';
import { describeFailure, runCommand } from '../commands.ts';
import { ADDONS_DIR, ADMIN_KUBECONFIG, TEMPLATES_DIR } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';
import { renderTemplate } from '../template.ts';

const APPLY_TIMEOUT_MS = 5 * 60_000;
const PATH_SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._+-]+$/;

interface Rendered {
  addon: AddonRef;
  path: string;
  content: string;
}

async function render(ctx: PhaseContext, addon: AddonRef): Promise<Rendered> {
  const what = `add-on ${addon.name} ${addon.version}`;
  if (!PATH_SEGMENT.test(addon.version))
    throw new KubeseedError('invalid-bundle', `${what}: the version must be a plain name, not a path`);
  const shipped = `${TEMPLATES_DIR}/${addon.name}/${addon.version}/manifest.yaml`;
  const template = addon.manifest ?? (await ctx.host.readFile(shipped));
  if (template === undefined) {
    throw new KubeseedError(
      'invalid-input',
      `${what}: ${shipped} is missing and the bundle carries no inline manifest; use a machine image with the template or regenerate the bundle with it inline`,
    );
  }
  const actual = createHash('sha256').update(template, 'utf8').digest('hex');
  if (actual !== addon.sha256) {
    throw new KubeseedError(
      'integrity',
      `${what}: the template has sha256 ${actual}, the bundle expects ${addon.sha256}: the machine image and the bundle disagree on the template`,
    );
  }
  return { addon, path: `${ADDONS_DIR}/${addon.name}.yaml`, content: renderTemplate(what, template, addon.parameters) };
}

async function apply(ctx: PhaseContext, manifest: Rendered): Promise<void> {
  const argv = ['kubectl', '--kubeconfig', ADMIN_KUBECONFIG, 'apply', '-f', manifest.path];
  const backoff = new Backoff(ctx.host.retryBaseDelayMs);
  for (;;) {
    const result = await runCommand(ctx, argv, { timeoutMs: APPLY_TIMEOUT_MS });
    if (result.code === 0) {
      ctx.log.info(`applied ${manifest.addon.name} ${manifest.addon.version}`);
      return;
    }
    const delay = backoff.next();
    const message = describeFailure(argv, result);
    ctx.log.warn(`${message}; trying again in ${(delay / 1000).toFixed(1)} s`);
    await ctx.retrying(message);
    await ctx.host.sleep(delay);
  }
}

async function renderAll(ctx: PhaseContext): Promise<Rendered[]> {
  const result: Rendered[] = [];
  for (const addon of ctx.bundle.addons) result.push(await render(ctx, addon));
  return result;
}

export const addons: Phase = {
  name: 'addons',
  summary: 'render and apply the add-ons (pod network) with kubectl',
  runIf: (ctx) => ctx.bundle.node.role === 'init',
  async run(ctx) {
    const manifests = await renderAll(ctx);
    for (const manifest of manifests) await ctx.host.writeFile(manifest.path, manifest.content, 0o600);
    for (const manifest of manifests) await apply(ctx, manifest);
  },
  // What `kubectl apply` did lives in the cluster; the rendered files and the state record are the evidence here.
  async isDone(ctx) {
    // A template that no longer renders means not done: running the phase reports why.
    const manifests = await renderAll(ctx).catch(() => undefined);
    if (manifests === undefined) return false;
    for (const manifest of manifests) if ((await ctx.host.readFile(manifest.path)) !== manifest.content) return false;
    return true;
  },
};
