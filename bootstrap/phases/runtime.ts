// containerd with the systemd cgroup driver (what kubeadm configures the kubelet with)
// and the sandbox image kubeadm expects, restarted and answering before kubeadm runs.
import { KubeseedError } from '../../core/errors.ts';
import { mustRun } from '../commands.ts';
import { containerdConfig, hostsToml, mirrorCaPath, mirrorDir } from '../containerd-config.ts';
import { CONTAINERD_CONFIG_PATH } from '../paths.ts';
import type { Phase, PhaseContext } from '../phase.ts';

const SOCKET_TIMEOUT_MS = 60_000;
const SOCKET_POLL_MS = 250;

function files(ctx: PhaseContext): { path: string; content: string }[] {
  const { runtime } = ctx.bundle;
  const result = [{ path: CONTAINERD_CONFIG_PATH, content: containerdConfig(runtime) }];
  for (const mirror of runtime.registryMirrors) {
    result.push({ path: `${mirrorDir(mirror)}/hosts.toml`, content: hostsToml(mirror) });
    if (mirror.caCertificate !== undefined) result.push({ path: mirrorCaPath(mirror), content: mirror.caCertificate });
  }
  return result;
}

/** containerd creates its socket once it listens. */
async function waitForSocket(ctx: PhaseContext): Promise<void> {
  const socket = ctx.bundle.runtime.criSocket.replace(/^unix:\/\//, '');
  const deadline = ctx.host.now().getTime() + SOCKET_TIMEOUT_MS;
  while ((await ctx.host.stat(socket)) === undefined) {
    if (ctx.host.now().getTime() >= deadline) {
      throw new KubeseedError(
        'command-failed',
        `containerd did not create ${socket} within ${SOCKET_TIMEOUT_MS / 1000} s of its restart; see \`journalctl -u containerd\``,
      );
    }
    await ctx.host.sleep(SOCKET_POLL_MS);
  }
}

export const runtime: Phase = {
  name: 'runtime',
  summary: 'configure containerd (systemd cgroups, sandbox image, registry mirrors) and restart it',
  async run(ctx) {
    for (const file of files(ctx)) await ctx.host.writeFile(file.path, file.content, 0o644);
    await mustRun(ctx, ['systemctl', 'restart', 'containerd'], { timeoutMs: 120_000 });
    await waitForSocket(ctx);
  },
  async isDone(ctx) {
    for (const file of files(ctx)) if ((await ctx.host.readFile(file.path)) !== file.content) return false;
    return true;
  },
};
