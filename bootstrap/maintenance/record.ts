// The outcome of the last certificate check and etcd snapshot, kept for `status`.
import type { Host } from '../host.ts';
import { MAINTENANCE_RECORD_PATH } from '../paths.ts';

export interface MaintenanceOutcome {
  at: string;
  outcome: 'renewed' | 'not-due' | 'saved' | 'failed';
  detail: string;
}

export interface MaintenanceRecord {
  certificates?: MaintenanceOutcome;
  etcdSnapshot?: MaintenanceOutcome;
}

export async function readMaintenanceRecord(host: Host): Promise<MaintenanceRecord> {
  const text = await host.readFile(MAINTENANCE_RECORD_PATH);
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as MaintenanceRecord;
  } catch {
    return {};
  }
}

export async function recordMaintenance(
  host: Host,
  kind: keyof MaintenanceRecord,
  outcome: MaintenanceOutcome,
): Promise<void> {
  const record = await readMaintenanceRecord(host);
  record[kind] = outcome;
  await host.writeFile(MAINTENANCE_RECORD_PATH, `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

export function formatMaintenance(record: MaintenanceRecord): string {
  const line = (label: string, outcome?: MaintenanceOutcome) =>
    outcome ? `${label}: ${outcome.outcome} at ${outcome.at}: ${outcome.detail}` : `${label}: not run yet`;
  return `${line('certificate check', record.certificates)}\n${line('etcd snapshot', record.etcdSnapshot)}\n`;
}
