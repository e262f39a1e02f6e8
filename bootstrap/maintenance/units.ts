// The systemd timers of a control plane: certificate renewal monthly (Persistent, so a
// machine that was off runs it at the next boot) and etcd snapshots every few hours.
// Each service runs one kubeseed-boot command; its output goes to the journal. The
// command waits for the agent lock (agent-lock.ts). At boot it starts only once the
// agent's own unit has started its process (Type=exec), so a Persistent timer due at boot
// lets `run` take the lock first and waits for it, instead of taking it itself and making
// kubeseed-boot.service fail with "busy".
import type { MaintenanceConfig } from './config.ts';

export const CERT_RENEWAL_TIMER = 'kubeseed-cert-renewal.timer';
export const ETCD_SNAPSHOT_TIMER = 'kubeseed-etcd-snapshot.timer';

function service(agent: string, description: string, command: string): string {
  return `# Written by kubeseed-boot; \`kubeseed-boot reset\` removes it.
[Unit]
Description=${description}
After=kubelet.service containerd.service kubeseed-boot.service

[Service]
Type=oneshot
ExecStart=${agent} ${command}
UnsetEnvironment=NODE_OPTIONS NODE_EXTRA_CA_CERTS
SyslogIdentifier=kubeseed-boot
`;
}

function timer(description: string, schedule: string): string {
  return `# Written by kubeseed-boot; \`kubeseed-boot reset\` removes it.
[Unit]
Description=${description}

[Timer]
${schedule}

[Install]
WantedBy=timers.target
`;
}

/** `agent`: the path of the kubeseed-boot binary on this machine. */
export function maintenanceUnits(config: MaintenanceConfig, agent: string): Record<string, string> {
  const units: Record<string, string> = {
    'kubeseed-cert-renewal.service': service(
      agent,
      'kubeseed: renew control-plane certificates that expire within 30 days',
      'certs renew',
    ),
    [CERT_RENEWAL_TIMER]: timer(
      'kubeseed: monthly control-plane certificate check',
      `OnCalendar=${config.certificateRenewal.onCalendar}\nPersistent=true`,
    ),
  };
  if (config.etcdSnapshots) {
    units['kubeseed-etcd-snapshot.service'] = service(agent, 'kubeseed: etcd snapshot', 'etcd snapshot');
    units[ETCD_SNAPSHOT_TIMER] = timer(
      `kubeseed: etcd snapshot every ${config.etcdSnapshots.everyHours} h`,
      `OnBootSec=1h\nOnUnitActiveSec=${config.etcdSnapshots.everyHours}h`,
    );
  }
  return units;
}
