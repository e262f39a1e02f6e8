// kubeadm backdates every certificate it makes by five minutes (CertificateBackdate) so a
// node whose clock runs slightly behind the generator's still accepts it, and counts the
// validity period from the creation time, not from the backdated start.

const CERTIFICATE_BACKDATE_MS = 5 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function validity(now: Date, validityHours: number): Validity {
  return {
    notBefore: new Date(now.getTime() - CERTIFICATE_BACKDATE_MS),
    notAfter: new Date(now.getTime() + validityHours * HOUR_MS),
  };
}
