// `kubeseed-boot reset`: the machine leaves the cluster. `kubeadm reset -f` (which also
// removes this node's etcd member unless it is the last), the CNI configuration kubeadm
// leaves behind, on request the iptables and IPVS rules, the maintenance timers, and what
// the agent wrote. Files the agent only edited are restored where it can (fstab's swap
// lines); the hostname stays as it is. A marker keeps `run` from joining again at the
// next boot: removing the node from the cluster must not be undone by a reboot. A node whose
// bundle was scrubbed (secrets-at-rest.ts) is told that bootstrapping it anew needs a fresh one.

import { KubeseedError } from '../core/errors.ts';
import { KUBE_VIP_HOSTS_PATH, KUBE_VIP_MANIFEST_PATH } from '../core/kube-vip-files.ts';
import { type NodeBundle, parseBundle, SHARED_PKI_FILES } from '../core/node-bundle.ts';
import { describeFailure } from './commands.ts';
import { freshBundleMessage } from './fresh-bundle.ts';
import { restoreSwap } from './fstab.ts';
import type { Host } from './host.ts';
import type { Logger } from './log.ts';
import { maintenanceUnits } from './maintenance/units.ts';
import { GUARD_TABLE, LIST_TABLE } from './metadata-guard.ts';
import {
  ADDONS_DIR,
  BREAK_GLASS_DIR,
  COMPLETED_PATH,
  CONTAINERD_CERTS_DIR,
  CONTAINERD_CONFIG_PATH,
  FSTAB_PATH,
  IMAGES_CONFIG_PATH,
  KUBEADM_CONFIG_PATH,
  MAINTENANCE_CONFIG_PATH,
  MAINTENANCE_RECORD_PATH,
  METADATA_GUARD_DROP_IN_PATH,
  METADATA_GUARD_RULESET_PATH,
  METADATA_GUARD_UNIT_PATH,
  MODULES_LOAD_PATH,
  OWNED_HEADER,
  PKI_DIR,
  RESET_MARKER_PATH,
  STATE_PATH,
  SYSCTL_PATH,
  SYSTEMD_UNIT_DIR,
} from './paths.ts';
import { RPI_SWAP_DROP_IN, ZRAM_CONFIG_PATH } from './swap.ts';

const CNI_CONFIG_DIR = '/etc/cni/net.d';
const MAINTENANCE_UNITS = Object.keys(
  maintenanceUnits(
    {
      criSocket: '',
      certificateRenewal: { onCalendar: '', renewWithinDays: 0 },
      etcdSnapshots: { everyHours: 1, keep: 1 },
    },
    '',
  ),
);

export interface ResetOptions {
  /** Flush iptables/ip6tables and clear IPVS: kube-proxy's rules outlive kubeadm reset. */
  iptables: boolean;
}

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
    MAINTENANCE_CONFIG_PATH,
    MAINTENANCE_RECORD_PATH,
    ...MAINTENANCE_UNITS.map((unit) => `${SYSTEMD_UNIT_DIR}/${unit}`),
    METADATA_GUARD_RULESET_PATH,
    METADATA_GUARD_UNIT_PATH,
    METADATA_GUARD_DROP_IN_PATH,
    ...SHARED_PKI_FILES.map((file) => `${PKI_DIR}/${file}`),
    KUBE_VIP_MANIFEST_PATH,
    KUBE_VIP_HOSTS_PATH,
    BREAK_GLASS_DIR,
  ];
  for (const path of [CONTAINERD_CONFIG_PATH, ZRAM_CONFIG_PATH, RPI_SWAP_DROP_IN])
    if (await isOwned(host, path)) paths.push(path);
  for (const entry of (await host.list(CONTAINERD_CERTS_DIR)) ?? []) {
    const dir = `${CONTAINERD_CERTS_DIR}/${entry}`;
    if (await isOwned(host, `${dir}/hosts.toml`)) paths.push(dir);
  }
  return [...paths, COMPLETED_PATH, STATE_PATH];
}

/** The bundle, when it parses: reset works without one, and says more with one. */
async function readBundle(host: Host, path: string): Promise<NodeBundle | undefined> {
  const text = await host.readFile(path);
  try {
    return text === undefined ? undefined : parseBundle(text);
  } catch {
    return undefined;
  }
}

async function runLogged(host: Host, log: ReturnType<Logger['for']>, argv: string[], failures: string[]) {
  log.info(`running ${argv.join(' ')}`);
  const result = await host.run(argv, { timeoutMs: 5 * 60_000 });
  if (result.code !== 0) failures.push(describeFailure(argv, result));
}

/** Returns whether there were timers: their unit files go later, and systemd must reload then. */
async function stopTimers(host: Host, log: ReturnType<Logger['for']>, failures: string[]): Promise<boolean> {
  const timers: string[] = [];
  for (const unit of MAINTENANCE_UNITS) {
    if (unit.endsWith('.timer') && (await host.stat(`${SYSTEMD_UNIT_DIR}/${unit}`))) timers.push(unit);
  }
  if (timers.length > 0) await runLogged(host, log, ['systemctl', 'disable', '--now', ...timers], failures);
  return timers.length > 0;
}

async function flushRules(host: Host, log: ReturnType<Logger['for']>, failures: string[]): Promise<void> {
  for (const tool of ['iptables', 'ip6tables']) {
    if ((await host.findExecutable(tool)) === undefined) continue;
    for (const args of [['-F'], ['-t', 'nat', '-F'], ['-t', 'mangle', '-F'], ['-X']])
      await runLogged(host, log, [tool, ...args], failures);
  }
  if ((await host.findExecutable('ipvsadm')) !== undefined)
    await runLogged(host, log, ['ipvsadm', '--clear'], failures);
}

export async function resetNode(
  host: Host,
  logger: Logger,
  bundlePath: string,
  options: ResetOptions = { iptables: false },
): Promise<void> {
  const log = logger.for('reset');
  const failures: string[] = [];
  const hadTimers = await stopTimers(host, log, failures);
  const hadGuard = (await host.stat(METADATA_GUARD_UNIT_PATH)) !== undefined;
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
  // kubeadm reset leaves the pod network's configuration; a later join would reuse it.
  for (const entry of (await host.list(CNI_CONFIG_DIR)) ?? []) {
    await host.remove(`${CNI_CONFIG_DIR}/${entry}`);
    log.info(`removed ${CNI_CONFIG_DIR}/${entry}`);
  }
  if (options.iptables) await flushRules(host, log, failures);
  else log.info('iptables and IPVS rules left as they are (`kubeseed-boot reset --iptables` flushes them)');
  // After kubeadm reset no pod runs; the next run loads the table again before kubeadm.
  if (
    (await host.findExecutable('nft')) !== undefined &&
    (await host.run(LIST_TABLE, { timeoutMs: 30_000 })).code === 0
  ) {
    const argv = ['nft', 'delete', 'table', 'inet', GUARD_TABLE];
    const result = await host.run(argv, { timeoutMs: 30_000 });
    if (result.code === 0) log.info(`removed table inet ${GUARD_TABLE}`);
    else failures.push(describeFailure(argv, result));
  }
  // The timers' and the guard's unit files are gone: systemd must forget them.
  if (hadTimers || hadGuard) await runLogged(host, log, ['systemctl', 'daemon-reload'], failures);
  const fstab = await host.readFile(FSTAB_PATH);
  if (fstab !== undefined && restoreSwap(fstab) !== fstab) {
    await host.writeFile(FSTAB_PATH, restoreSwap(fstab), (await host.stat(FSTAB_PATH))?.mode ?? 0o644);
    log.info(`restored the swap lines of ${FSTAB_PATH}`);
  }
  await host.writeFile(RESET_MARKER_PATH, `${JSON.stringify({ resetAt: host.now().toISOString() }, null, 2)}\n`, 0o644);
  if (failures.length > 0) {
    for (const failure of failures) log.error(failure);
    throw new KubeseedError('command-failed', `reset finished with errors: ${failures.join('; ')}`);
  }
  log.info(
    `done: this machine left the cluster; \`kubeseed-boot run\` will not join it again (remove ${RESET_MARKER_PATH} to bootstrap it anew)`,
  );
  const bundle = await readBundle(host, bundlePath);
  if (bundle?.scrubbedAt !== undefined)
    log.warn(`bootstrapping this machine anew also needs a fresh bundle: ${freshBundleMessage(bundle, bundlePath)}`);
}
