// Control planes keep themselves healthy after the first boot: a monthly certificate
// check that renews within 30 days of expiry (staggered so control planes never restart
// together) and etcd snapshots every 12 hours. This phase writes the timers and their
// configuration and enables them; the work runs later, as `kubeseed-boot certs renew`
// and `kubeseed-boot etcd snapshot`.
import { createHash } from 'node:crypto';
import type { NodeBundle } from '../../core/node-bundle.ts';
import { mustRun } from '../commands.ts';
import type { Host } from '../host.ts';
import {
  DEFAULT_CRI_SOCKET,
  DEFAULT_SNAPSHOTS,
  type MaintenanceConfig,
  RENEW_WITHIN_DAYS,
  renewalCalendar,
} from '../maintenance/config.ts';
import { CERT_RENEWAL_TIMER, ETCD_SNAPSHOT_TIMER, maintenanceUnits } from '../maintenance/units.ts';
import { AGENT_PATHS, MAINTENANCE_CONFIG_PATH, SYSTEMD_UNIT_DIR } from '../paths.ts';
import type { Phase } from '../phase.ts';

/** A bundle from a generator that assigned no slot: a stable one from the node's name, snapshots on. */
function fallbackSlot(name: string): number {
  return createHash('sha256').update(name).digest()[0]! % 4;
}

export function maintenanceConfigOf(bundle: NodeBundle): MaintenanceConfig {
  const planned = bundle.maintenance;
  const slot = planned?.renewalSlot ?? fallbackSlot(bundle.node.name);
  const snapshots = planned ? planned.etcdSnapshots : DEFAULT_SNAPSHOTS;
  return {
    criSocket: bundle.runtime.criSocket || DEFAULT_CRI_SOCKET,
    certificateRenewal: { onCalendar: renewalCalendar(slot), renewWithinDays: RENEW_WITHIN_DAYS },
    ...(snapshots ? { etcdSnapshots: { ...snapshots } } : {}),
  };
}

/** The installed agent the timers run: the first of its known places that holds it. */
async function agentPath(host: Host): Promise<string> {
  for (const path of AGENT_PATHS) {
    if ((await host.stat(path))?.type === 'file') return path;
  }
  return AGENT_PATHS[0];
}

function configText(config: MaintenanceConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

export const maintenance: Phase = {
  name: 'maintenance',
  summary: 'control planes: timers for certificate renewal and etcd snapshots',
  runIf: (ctx) => ctx.bundle.node.role !== 'worker',
  async run(ctx) {
    const config = maintenanceConfigOf(ctx.bundle);
    await ctx.host.writeFile(MAINTENANCE_CONFIG_PATH, configText(config), 0o644);
    const units = maintenanceUnits(config, await agentPath(ctx.host));
    for (const [name, text] of Object.entries(units))
      await ctx.host.writeFile(`${SYSTEMD_UNIT_DIR}/${name}`, text, 0o644);
    if (!units[ETCD_SNAPSHOT_TIMER]) {
      for (const name of ['kubeseed-etcd-snapshot.service', ETCD_SNAPSHOT_TIMER])
        await ctx.host.remove(`${SYSTEMD_UNIT_DIR}/${name}`);
    }
    await mustRun(ctx, ['systemctl', 'daemon-reload']);
    const timers = [CERT_RENEWAL_TIMER, ...(units[ETCD_SNAPSHOT_TIMER] ? [ETCD_SNAPSHOT_TIMER] : [])];
    await mustRun(ctx, ['systemctl', 'enable', '--now', ...timers]);
    ctx.log.info(
      `certificates checked ${config.certificateRenewal.onCalendar} (monthly); ${config.etcdSnapshots ? `etcd snapshots every ${config.etcdSnapshots.everyHours} h, newest ${config.etcdSnapshots.keep} kept` : 'etcd snapshots off'}`,
    );
  },
  async isDone(ctx) {
    const config = maintenanceConfigOf(ctx.bundle);
    if ((await ctx.host.readFile(MAINTENANCE_CONFIG_PATH)) !== configText(config)) return false;
    for (const [name, text] of Object.entries(maintenanceUnits(config, await agentPath(ctx.host)))) {
      if ((await ctx.host.readFile(`${SYSTEMD_UNIT_DIR}/${name}`)) !== text) return false;
    }
    return true;
  },
};
