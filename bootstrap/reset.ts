// `kubeseed-boot reset`: `kubeadm reset -f`, then remove what the agent wrote and its
// state, so the next `run` starts from scratch. Files the agent only edited are restored
// where it can (fstab's swap lines); the hostname stays as it is.

import { KubeseedError } from '../core/errors.ts';
import { KUBE_VIP_HOSTS_PATH, KUBE_VIP_MANIFEST_PATH } from '../core/kube-vip-files.ts';
import { SHARED_PKI_FILES } from '../core/node-bundle.ts';
import { describeFailure } from './commands.ts';
import { restoreSwap } from './fstab.ts';
import type { Host } from './host.ts';
import type { Logger } from './log.ts';
import {
  ADDONS_DIR,
  BREAK_GLASS_DIR,
  COMPLETED_PATH,
  CONTAINERD_CERTS_DIR,
  CONTAINERD_CONFIG_PATH,
  FSTAB_PATH,
  IMAGES_CONFIG_PATH,
  KUBEADM_CONFIG_PATH,
  MODULES_LOAD_PATH,
  OWNED_HEADER,
  PKI_DIR,
  STATE_PATH,
  SYSCTL_PATH,
} from './paths.ts';

async function isOwned(host: Host, path: string): Promise<boolean> {
  return (await host.readFile(path))?.startsWith(OWNED_HEADER) ?? false;
}

/** Paths the agent created; a containerd config or mirror directory only if it carries the agent's header. */
async function ownedPaths(host: Host): Promise<string[]> {
  const paths = [
    KUBEADM_CONFIG_PATH,
    IMAGES_CONFIG_PATH,
    ADDONS_DIR,
    MODULES_LOAD_PATH,
    SYSCTL_PATH,
    ...SHARED_PKI_FILES.map((file) => `${PKI_DIR}/${file}`),
    KUBE_VIP_MANIFEST_PATH,
    KUBE_VIP_HOSTS_PATH,
    BREAK_GLASS_DIR,
  ];
  if (await isOwned(host, CONTAINERD_CONFIG_PATH)) paths.push(CONTAINERD_CONFIG_PATH);
  for (const entry of (await host.list(CONTAINERD_CERTS_DIR)) ?? []) {
    const dir = `${CONTAINERD_CERTS_DIR}/${entry}`;
    if (await isOwned(host, `${dir}/hosts.toml`)) paths.push(dir);
  }
  return [...paths, COMPLETED_PATH, STATE_PATH];
}

export async function resetNode(host: Host, logger: Logger): Promise<void> {
  const log = logger.for('reset');
  const failures: string[] = [];
  if ((await host.findExecutable('kubeadm')) === undefined) {
    log.warn('kubeadm is not on PATH; removing only what kubeseed-boot wrote');
  } else {
    const argv = ['kubeadm', 'reset', '-f'];
    log.info(`running ${argv.join(' ')}`);
    const result = await host.run(argv, { timeoutMs: 5 * 60_000 });
    if (result.code !== 0) failures.push(describeFailure(argv, result));
  }
  for (const path of await ownedPaths(host)) {
    if ((await host.stat(path)) === undefined) continue;
    await host.remove(path);
    log.info(`removed ${path}`);
  }
  const fstab = await host.readFile(FSTAB_PATH);
  if (fstab !== undefined && restoreSwap(fstab) !== fstab) {
    await host.writeFile(FSTAB_PATH, restoreSwap(fstab), (await host.stat(FSTAB_PATH))?.mode ?? 0o644);
    log.info(`restored the swap lines of ${FSTAB_PATH}`);
  }
  if (failures.length > 0) {
    for (const failure of failures) log.error(failure);
    throw new KubeseedError('command-failed', `reset finished with errors: ${failures.join('; ')}`);
  }
  log.info('done: the next `kubeseed-boot run` starts from scratch');
}
