// The agent's day-2 commands, apart from the command-line front end: `certs [renew]`,
// `etcd snapshot`, what `status` adds on control planes, and the reset marker `run` obeys.
import type { Host } from '../host.ts';
import type { Logger } from '../log.ts';
import { MAINTENANCE_CONFIG_PATH, MAINTENANCE_RECORD_PATH, RESET_MARKER_PATH } from '../paths.ts';
import { formatExpirationTable } from './cert-expiration.ts';
import { checkExpiration, renewCertificates } from './cert-renewal.ts';
import { readMaintenanceConfig } from './config.ts';
import { takeEtcdSnapshot } from './etcd-snapshot.ts';
import { formatMaintenance, readMaintenanceRecord } from './record.ts';

export async function certsTable(host: Host): Promise<void> {
  host.print('stdout', formatExpirationTable(await checkExpiration(host)));
}

export async function certsRenew(host: Host, logger: Logger): Promise<void> {
  logger.startRecording();
  await renewCertificates(host, await readMaintenanceConfig(host), logger.for('certs'));
}

export async function etcdSnapshot(host: Host, logger: Logger): Promise<void> {
  logger.startRecording();
  await takeEtcdSnapshot(host, await readMaintenanceConfig(host), logger.for('etcd'));
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
