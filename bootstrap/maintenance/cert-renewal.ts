// `kubeseed-boot certs renew` (the monthly timer): when any control-plane certificate
// expires within 30 days, `kubeadm certs renew all`, then restart the static pods so they
// load the new certificates, then check again. The outcome goes to the journal and to
// the maintenance record that `status` shows.
import { KubeseedError } from '../../core/errors.ts';
import { describeFailure } from '../commands.ts';
import type { Host } from '../host.ts';
import type { PhaseLog } from '../log.ts';
import { dueForRenewal, type ExpirationInfo, parseExpirationInfo } from './cert-expiration.ts';
import type { MaintenanceConfig } from './config.ts';
import { restartControlPlane } from './containers.ts';
import { recordMaintenance } from './record.ts';

const CHECK = ['kubeadm', 'certs', 'check-expiration', '-o', 'json'] as const;
const RENEW = ['kubeadm', 'certs', 'renew', 'all'] as const;
const DAY_SECONDS = 86400;

export async function checkExpiration(host: Host): Promise<ExpirationInfo> {
  const result = await host.run(CHECK, { timeoutMs: 120_000 });
  if (result.code !== 0) throw new KubeseedError('command-failed', describeFailure(CHECK, result));
  return parseExpirationInfo(result.stdout);
}

function earliest(info: ExpirationInfo): string {
  const live = info.certificates.filter((cert) => !cert.missing && !cert.externallyManaged);
  if (live.length === 0) return 'no certificates';
  const first = live.reduce((a, b) => (a.residualSeconds <= b.residualSeconds ? a : b));
  return `${first.name} expires first, at ${first.expirationDate} (in ${Math.floor(first.residualSeconds / DAY_SECONDS)} days)`;
}

export async function renewCertificates(host: Host, config: MaintenanceConfig, log: PhaseLog): Promise<void> {
  const at = () => host.now().toISOString();
  try {
    const info = await checkExpiration(host);
    const due = dueForRenewal(info, config.certificateRenewal.renewWithinDays * DAY_SECONDS);
    if (due.length === 0) {
      const detail = `nothing expires within ${config.certificateRenewal.renewWithinDays} days; ${earliest(info)}`;
      log.info(detail);
      await recordMaintenance(host, 'certificates', { at: at(), outcome: 'not-due', detail });
      return;
    }
    log.info(
      `renewing: ${due.map((cert) => cert.name).join(', ')} expire within ${config.certificateRenewal.renewWithinDays} days`,
    );
    log.info(`running ${RENEW.join(' ')}`);
    const renewed = await host.run(RENEW, { timeoutMs: 300_000 });
    if (renewed.code !== 0) throw new KubeseedError('command-failed', describeFailure(RENEW, renewed));
    await restartControlPlane(host, config.criSocket, log);
    const after = await checkExpiration(host);
    const still = dueForRenewal(after, config.certificateRenewal.renewWithinDays * DAY_SECONDS);
    if (still.length > 0) {
      throw new KubeseedError(
        'command-failed',
        `still expiring after renewal: ${still.map((cert) => cert.name).join(', ')}`,
      );
    }
    const detail = `renewed ${due.length} certificate(s) and restarted the control plane; ${earliest(after)}`;
    log.info(detail);
    await recordMaintenance(host, 'certificates', { at: at(), outcome: 'renewed', detail });
  } catch (error) {
    const detail = (error as Error).message;
    log.error(`certificate renewal failed: ${detail}`);
    await recordMaintenance(host, 'certificates', { at: at(), outcome: 'failed', detail });
    throw error;
  }
}
