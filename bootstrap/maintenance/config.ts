// What a control plane's maintenance timers do, written by the maintenance phase so the
// timers' commands never need the node bundle (whose secrets are scrubbed after finish).
import { KubeseedError } from '../../core/errors.ts';
import type { Host } from '../host.ts';
import { MAINTENANCE_CONFIG_PATH } from '../paths.ts';

export interface MaintenanceConfig {
  criSocket: string;
  certificateRenewal: {
    /** systemd OnCalendar: monthly, on a day that differs between control planes. */
    onCalendar: string;
    /** Renew when any certificate expires within this many days. */
    renewWithinDays: number;
  };
  /** Absent: snapshots are off. */
  etcdSnapshots?: { everyHours: number; keep: number };
}

export const DEFAULT_CRI_SOCKET = 'unix:///run/containerd/containerd.sock';
export const RENEW_WITHIN_DAYS = 30;
export const DEFAULT_SNAPSHOTS = { everyHours: 12, keep: 5 };

/**
 * The renewal slot of the control plane at `index` among the control planes: a week apart
 * for the first four, then an hour later, so no two restart their static pods together.
 */
export function renewalCalendar(index: number): string {
  const day = 1 + ((index * 7) % 28);
  const hour = 3 + Math.floor(index / 4);
  return `*-*-${String(day).padStart(2, '0')} ${String(hour).padStart(2, '0')}:30:00`;
}

export async function readMaintenanceConfig(host: Host): Promise<MaintenanceConfig> {
  const text = await host.readFile(MAINTENANCE_CONFIG_PATH);
  if (text === undefined) {
    throw new KubeseedError(
      'preflight',
      `${MAINTENANCE_CONFIG_PATH} does not exist: certificate renewal and etcd snapshots run on bootstrapped control planes only`,
    );
  }
  try {
    return JSON.parse(text) as MaintenanceConfig;
  } catch (error) {
    throw new KubeseedError(
      'invalid-state',
      `${MAINTENANCE_CONFIG_PATH} is unreadable (${(error as Error).message}); run \`kubeseed-boot phase maintenance\` to write it again`,
    );
  }
}
