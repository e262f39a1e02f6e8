// The agent's day-2 commands, apart from the command-line front end: `certs [renew]`,
// `etcd snapshot`, what `status` adds on control planes, and the reset marker `run` obeys.
import { awaitAgentLock } from '../agent-lock.ts';
import type { Host } from '../host.ts';
import type { Logger, PhaseLog } from '../log.ts';
import { COMPLETED_PATH, MAINTENANCE_CONFIG_PATH, MAINTENANCE_RECORD_PATH, RESET_MARKER_PATH } from '../paths.ts';
import { readState } from '../state.ts';
import { formatExpirationTable } from './cert-expiration.ts';
import { checkExpiration, renewCertificates } from './cert-renewal.ts';
import { readMaintenanceConfig } from './config.ts';
import { takeEtcdSnapshot } from './etcd-snapshot.ts';
import { formatMaintenance, readMaintenanceRecord } from './record.ts';

export async function certsTable(host: Host): Promise<void> {
  host.print('stdout', formatExpirationTable(await checkExpiration(host)));
}

/** Why a timer's work must not run on this machine now, or undefined. */
async function reasonToSkip(host: Host): Promise<string | undefined> {
  if (await host.stat(RESET_MARKER_PATH))
    return `this machine left the cluster (\`kubeseed-boot reset\`, ${RESET_MARKER_PATH})`;
  const finish = (await readState(host)).phases.finish;
  if (finish?.status !== 'done' || !(await host.stat(COMPLETED_PATH)))
    return 'this node is not bootstrapped yet (`kubeseed-boot status` shows how far it is)';
  return undefined;
}

/**
 * A timer's command: after whatever else holds the agent lock, and only on a bootstrapped
 * node still in the cluster. A skip exits 0, so the timer's unit does not count as failed,
 * and is not recorded: `status` already says why (its phase table, or "left the cluster"),
 * and a record written after `reset` would bring back a file reset removed.
 */
async function maintain(
  host: Host,
  logger: Logger,
  command: string,
  topic: string,
  work: string,
  run: (log: PhaseLog) => Promise<unknown>,
): Promise<void> {
  logger.startRecording();
  const log = logger.for(topic);
  const release = await awaitAgentLock(host, command, log, work);
  try {
    const reason = await reasonToSkip(host);
    if (reason === undefined) await run(log);
    else log.info(`${work} skipped: ${reason}`);
  } finally {
    await release();
  }
}

/** `command`: the command line, which a process waiting for the lock is told. */
export async function certsRenew(host: Host, logger: Logger, command: string): Promise<void> {
  await maintain(host, logger, command, 'certs', 'certificate check', async (log) =>
    renewCertificates(host, await readMaintenanceConfig(host), log),
  );
}

export async function etcdSnapshot(host: Host, logger: Logger, command: string): Promise<void> {
  await maintain(host, logger, command, 'etcd', 'etcd snapshot', async (log) =>
    takeEtcdSnapshot(host, await readMaintenanceConfig(host), log),
  );
}

/** What `status` prints after the phase table: the timers' last outcomes, and whether the node left. */
export async function statusAddendum(host: Host): Promise<string> {
  let text = '';
  if ((await host.stat(MAINTENANCE_CONFIG_PATH)) || (await host.stat(MAINTENANCE_RECORD_PATH)))
    text += `\n${formatMaintenance(await readMaintenanceRecord(host))}`;
  if (await host.stat(RESET_MARKER_PATH)) text += '\nleft the cluster (`kubeseed-boot reset`)\n';
  return text;
}

/** True when `reset` marked this machine: `run` then does nothing, whatever the bundle says. */
export async function leftTheCluster(host: Host, logger: Logger): Promise<boolean> {
  if ((await host.readFile(RESET_MARKER_PATH)) === undefined) return false;
  logger.write(
    'INFO',
    'run',
    `this machine left the cluster (\`kubeseed-boot reset\`, ${RESET_MARKER_PATH}); not joining again. Remove that file to bootstrap it anew`,
  );
  return true;
}
