// `kubeadm init` on the init node, `kubeadm join` everywhere else, retried until it works:
// a join first waits for the API server, a failed try is undone with `kubeadm reset -f`
// before the next, and so is a try a crash or reboot cut short. A join the cluster was not
// ready for yet is tried again within seconds; a configuration kubeadm rejects ends the
// phase instead.
import { KubeseedError } from '../../core/errors.ts';
import { waitForApiServer } from '../api-server.ts';
import { Backoff } from '../backoff.ts';
import { describeFailure, mustRun, runCommand } from '../commands.ts';
import { requireSecrets } from '../fresh-bundle.ts';
import { isClusterNotReady, isConfigError } from '../kubeadm-failure.ts';
import { API_ANSWERED, JOIN_STARTED } from '../milestones.ts';
import { KUBEADM_CONFIG_PATH, KUBELET_KUBECONFIG, KUBERNETES_DIR } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';
import { placeKubeVip } from './kube-vip.ts';
import { isControlPlane, writeSharedPki } from './pki.ts';

const KUBEADM_TIMEOUT_MS = 20 * 60_000;
/**
 * Paths only kubeadm init/join creates: any of them without success recorded means a try
 * was cut short. Not the manifests directory itself (the kubelet package ships it), nor
 * manifests/kube-vip.yaml or pki/ca.crt: the agent writes those before every try.
 */
const LEFTOVERS = [
  ...[
    'kubelet.conf',
    'bootstrap-kubelet.conf',
    'admin.conf',
    'super-admin.conf',
    'manifests/etcd.yaml',
    'manifests/kube-apiserver.yaml',
    'manifests/kube-controller-manager.yaml',
    'manifests/kube-scheduler.yaml',
    'pki/apiserver.crt',
  ].map((path) => `${KUBERNETES_DIR}/${path}`),
  '/var/lib/etcd/member',
];

/** Tries after "not ready yet" come within seconds: 0.5–1 s, 1–2 s, 2–4 s, then 2.5–5 s. */
const NOT_READY_CAP_FACTOR = 5;

interface Failure {
  message: string;
  kind: 'config' | 'cluster-not-ready' | 'other';
}

function failureKind(stderr: string): Failure['kind'] {
  // First: kubeadm's "not ready" lines may sit beside warnings that look like config errors.
  if (isClusterNotReady(stderr)) return 'cluster-not-ready';
  return isConfigError(stderr) ? 'config' : 'other';
}

async function leftovers(ctx: PhaseContext): Promise<string[]> {
  const found: string[] = [];
  for (const path of LEFTOVERS) if ((await ctx.host.stat(path)) !== undefined) found.push(path);
  return found;
}

async function reset(ctx: PhaseContext): Promise<Failure | undefined> {
  const argv = ['kubeadm', 'reset', '-f'];
  const result = await runCommand(ctx, argv, { timeoutMs: 5 * 60_000 });
  return result.code === 0 ? undefined : { message: describeFailure(argv, result), kind: 'other' };
}

/** `first`: the phase's first try in this run, not a retry after a failed one. */
async function attempt(ctx: PhaseContext, first: boolean): Promise<Failure | undefined> {
  const found = await leftovers(ctx);
  if (found.length > 0) {
    ctx.log.warn(`${found.join(', ')} left by a kubeadm run that did not finish; resetting first`);
    const failure = await reset(ctx);
    if (failure) return failure;
  }
  if (isControlPlane(ctx)) await writeSharedPki(ctx);
  // After any reset: it emptied the manifests directory.
  await placeKubeVip(ctx);
  const init = ctx.bundle.node.role === 'init';
  if (!init) {
    const answered = await waitForApiServer(ctx, { spread: first });
    await ctx.mark({ [API_ANSWERED]: answered, [JOIN_STARTED]: ctx.host.now() });
  }
  const argv = ['kubeadm', init ? 'init' : 'join', '--config', KUBEADM_CONFIG_PATH];
  const result = await runCommand(ctx, argv, { timeoutMs: KUBEADM_TIMEOUT_MS });
  if (result.code === 0) {
    if ((await ctx.host.stat(KUBELET_KUBECONFIG)) !== undefined) return undefined;
    return { message: `\`${argv.join(' ')}\` succeeded but left no ${KUBELET_KUBECONFIG}`, kind: 'other' };
  }
  const resetFailure = await reset(ctx);
  // The next try finds what is left and resets again.
  if (resetFailure) ctx.log.warn(resetFailure.message);
  return { message: describeFailure(argv, result), kind: failureKind(result.stderr) };
}

export const kubeadm: Phase = {
  name: 'kubeadm',
  summary: 'kubeadm init (init node) or join (the others), retried until it succeeds',
  async run(ctx) {
    requireSecrets(ctx.bundle, ctx.bundlePath, `kubeadm ${ctx.bundle.node.role === 'init' ? 'init' : 'join'}`);
    await ctx.host.writeFile(KUBEADM_CONFIG_PATH, ctx.bundle.kubeadm.config, 0o600);
    // kubeadm starts the kubelet but does not enable it: without this a reboot leaves the node NotReady.
    await mustRun(ctx, ['systemctl', 'enable', 'kubelet.service'], { timeoutMs: 60_000 });
    const base = ctx.host.retryBaseDelayMs;
    const backoff = new Backoff(base);
    const notReadyBackoff = new Backoff(base, Math.random, base * NOT_READY_CAP_FACTOR);
    for (let first = true; ; first = false) {
      const failure = await attempt(ctx, first);
      if (failure === undefined) return;
      if (failure.kind === 'config')
        throw new KubeseedError(
          'command-failed',
          `kubeadm rejected its configuration (fix the bundle and rerun): ${failure.message}`,
        );
      const notReady = failure.kind === 'cluster-not-ready';
      const delay = (notReady ? notReadyBackoff : backoff).next();
      // kubeadm words an expired or unknown token the same way: the log says so, in case it lasts.
      const what = notReady
        ? `the cluster is not ready for this join yet (or does not know its token): ${failure.message}`
        : failure.message;
      ctx.log.warn(`${what}; trying again in ${(delay / 1000).toFixed(1)} s`);
      await ctx.retrying(failure.message);
      await ctx.host.sleep(delay);
    }
  },
  async isDone(ctx) {
    return ctx.status('kubeadm') === 'done' && (await ctx.host.stat(KUBELET_KUBECONFIG)) !== undefined;
  },
};
