// The control plane's static pods through crictl: kubectl cannot restart a static pod, but
// stopping its container makes the kubelet start a new one, which reads the renewed
// certificates. A restart counts only once a new container of that name runs.
import { KubeseedError } from '../../core/errors.ts';
import { describeFailure } from '../commands.ts';
import type { Host } from '../host.ts';
import type { PhaseLog } from '../log.ts';

export const CONTROL_PLANE_CONTAINERS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'etcd',
] as const;
/** kube-vip keeps a kubeconfig too, when the cluster has one. */
const OPTIONAL_CONTAINERS = ['kube-vip'] as const;
const RESTART_TIMEOUT_MS = 3 * 60_000;
const POLL_MS = 2_000;

export async function crictl(host: Host, socket: string, args: readonly string[]): Promise<string> {
  const argv = ['crictl', '--runtime-endpoint', socket, ...args];
  const result = await host.run(argv, { timeoutMs: 5 * 60_000 });
  if (result.code !== 0) throw new KubeseedError('command-failed', describeFailure(argv, result));
  return result.stdout;
}

/** The running container of that name (crictl matches --name as a regular expression), if any. */
export async function runningContainer(host: Host, socket: string, name: string): Promise<string | undefined> {
  const ids = (await crictl(host, socket, ['ps', '--name', `^${name}$`, '--state', 'running', '--quiet']))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return ids[0];
}

export async function restartControlPlane(host: Host, socket: string, log: PhaseLog): Promise<void> {
  for (const name of [...CONTROL_PLANE_CONTAINERS, ...OPTIONAL_CONTAINERS]) {
    const before = await runningContainer(host, socket, name);
    if (!before) {
      if ((CONTROL_PLANE_CONTAINERS as readonly string[]).includes(name))
        throw new KubeseedError('command-failed', `no running ${name} container to restart`);
      continue;
    }
    await crictl(host, socket, ['stop', before]);
    const deadline = host.now().getTime() + RESTART_TIMEOUT_MS;
    for (;;) {
      const after = await runningContainer(host, socket, name);
      if (after && after !== before) break;
      if (host.now().getTime() >= deadline)
        throw new KubeseedError('command-failed', `the kubelet did not start ${name} again within 3 minutes`);
      await host.sleep(POLL_MS);
    }
    // One at a time: the API server must be back before etcd goes, and so on.
    log.info(`restarted ${name}`);
  }
}
