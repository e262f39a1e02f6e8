// A Raspberry Pi has no real-time clock: it boots with a time in the past until NTP has
// synced, and every certificate looks "not yet valid". Nothing that checks a certificate
// may run before the clock has passed the cluster CA's notBefore.
import { X509Certificate } from 'node:crypto';
import type { PhaseContext } from './phase.ts';

const RECHECK_MS = 5_000;

export function notBefore(certificatePem: string): Date {
  return new Date(new X509Certificate(certificatePem).validFrom);
}

export async function waitForSaneClock(ctx: PhaseContext): Promise<void> {
  const earliest = notBefore(ctx.bundle.cluster.caCertificate);
  const first = ctx.host.now();
  if (first >= earliest) return;
  ctx.log.warn(
    `the clock says ${first.toISOString()}, before the cluster CA became valid (${earliest.toISOString()}): waiting for time sync (NTP) before trusting any certificate`,
  );
  while (ctx.host.now() < earliest) await ctx.host.sleep(RECHECK_MS);
  ctx.log.info(`the clock is sane now (${ctx.host.now().toISOString()})`);
}
