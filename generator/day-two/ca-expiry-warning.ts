// The cluster CA cannot be renewed in place: every node and kubeconfig trusts it. A year
// ahead is the time to plan its rotation, so `generate` says so from then on.
import { X509Certificate } from 'node:crypto';

const WARN_BEFORE_MS = 365 * 24 * 3600 * 1000;

export function caExpiryWarning(caCert: string, now: Date): string | undefined {
  const validTo = new Date(new X509Certificate(caCert).validTo);
  const left = validTo.getTime() - now.getTime();
  if (left >= WARN_BEFORE_MS) return undefined;
  if (left <= 0)
    return `the cluster CA (state/pki/ca.crt) expired at ${validTo.toISOString()}: no certificate it signed is valid`;
  const days = Math.floor(left / (24 * 3600 * 1000));
  return `the cluster CA (state/pki/ca.crt) expires at ${validTo.toISOString()}, in ${days} days; plan its rotation (every node and kubeconfig trusts it)`;
}
