// `kubeseed-boot etcd snapshot` (the snapshot timer): the host has no etcdctl, the etcd
// image does, so the snapshot is taken inside the etcd container with the healthcheck
// client certificate, written to the data directory (a hostPath mount at the same path),
// then moved into a root-only directory that keeps the newest few.
import { KubeseedError } from '../../core/errors.ts';
import type { Host } from '../host.ts';
import type { PhaseLog } from '../log.ts';
import { ETCD_SNAPSHOT_DIR } from '../paths.ts';
import { DEFAULT_SNAPSHOTS, type MaintenanceConfig } from './config.ts';
import { crictl, runningContainer } from './containers.ts';
import { recordMaintenance } from './record.ts';

const ETCD_PKI = '/etc/kubernetes/pki/etcd';
/** Inside the container and on the host alike: kubeadm mounts the data dir at its own path. */
const PARTIAL_SNAPSHOT = '/var/lib/etcd/kubeseed-snapshot.db.part';
const SNAPSHOT_NAME = /^etcd-\d{8}T\d{6}Z\.db$/;

function snapshotName(now: Date): string {
  return `etcd-${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z.db`;
}

export async function takeEtcdSnapshot(host: Host, config: MaintenanceConfig, log: PhaseLog): Promise<string> {
  const keep = config.etcdSnapshots?.keep ?? DEFAULT_SNAPSHOTS.keep;
  const at = host.now();
  try {
    const container = await runningContainer(host, config.criSocket, 'etcd');
    if (!container) throw new KubeseedError('command-failed', 'no running etcd container on this node');
    await host.remove(PARTIAL_SNAPSHOT);
    log.info(`saving a snapshot inside etcd container ${container.slice(0, 13)}`);
    await crictl(host, config.criSocket, [
      'exec',
      container,
      'etcdctl',
      '--endpoints=https://127.0.0.1:2379',
      `--cacert=${ETCD_PKI}/ca.crt`,
      `--cert=${ETCD_PKI}/healthcheck-client.crt`,
      `--key=${ETCD_PKI}/healthcheck-client.key`,
      'snapshot',
      'save',
      PARTIAL_SNAPSHOT,
    ]);
    const saved = await host.stat(PARTIAL_SNAPSHOT);
    if (saved?.type !== 'file' || saved.size === 0)
      throw new KubeseedError('command-failed', `etcdctl reported success but ${PARTIAL_SNAPSHOT} is missing or empty`);
    await host.makeDirectory(ETCD_SNAPSHOT_DIR, 0o700);
    const target = `${ETCD_SNAPSHOT_DIR}/${snapshotName(at)}`;
    await host.rename(PARTIAL_SNAPSHOT, target);
    const snapshots = ((await host.list(ETCD_SNAPSHOT_DIR)) ?? []).filter((name) => SNAPSHOT_NAME.test(name)).sort();
    for (const old of snapshots.slice(0, Math.max(0, snapshots.length - keep))) {
      await host.remove(`${ETCD_SNAPSHOT_DIR}/${old}`);
      log.info(`removed old snapshot ${old}`);
    }
    const detail = `${target} (${saved.size} bytes); keeping the newest ${keep}`;
    log.info(`saved ${detail}`);
    await recordMaintenance(host, 'etcdSnapshot', { at: at.toISOString(), outcome: 'saved', detail });
    return target;
  } catch (error) {
    const detail = (error as Error).message;
    log.error(`etcd snapshot failed: ${detail}`);
    await recordMaintenance(host, 'etcdSnapshot', { at: at.toISOString(), outcome: 'failed', detail });
    throw error;
  }
}
