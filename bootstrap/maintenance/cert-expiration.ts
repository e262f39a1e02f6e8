// `kubeadm certs check-expiration -o json` (kubeadm 1.30+): kind CertificateExpirationInfo,
// output.kubeadm.k8s.io/v1alpha3, with `certificates` and `certificateAuthorities`, each
// entry carrying name, expirationDate, residualTime (whole seconds), caName, and the
// externallyManaged and missing flags.
import { KubeseedError } from '../../core/errors.ts';

export interface CertificateExpiry {
  name: string;
  expirationDate: string;
  residualSeconds: number;
  caName: string;
  externallyManaged: boolean;
  missing: boolean;
}

export interface ExpirationInfo {
  certificates: CertificateExpiry[];
  authorities: CertificateExpiry[];
}

function entries(value: unknown, field: string): CertificateExpiry[] {
  if (!Array.isArray(value)) throw new Error(`${field} is not a list`);
  return value.map((entry: Record<string, unknown>, index) => {
    if (typeof entry?.name !== 'string' || typeof entry.residualTime !== 'number')
      throw new Error(`${field}[${index}] has no name or residualTime`);
    return {
      name: entry.name,
      expirationDate: typeof entry.expirationDate === 'string' ? entry.expirationDate : '',
      residualSeconds: entry.residualTime,
      caName: typeof entry.caName === 'string' ? entry.caName : '',
      externallyManaged: entry.externallyManaged === true,
      missing: entry.missing === true,
    };
  });
}

export function parseExpirationInfo(text: string): ExpirationInfo {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (value.kind !== 'CertificateExpirationInfo') throw new Error(`kind is ${String(value.kind)}`);
    return {
      certificates: entries(value.certificates ?? [], 'certificates'),
      authorities: entries(value.certificateAuthorities ?? [], 'certificateAuthorities'),
    };
  } catch (error) {
    throw new KubeseedError(
      'command-failed',
      `\`kubeadm certs check-expiration -o json\` printed something else than CertificateExpirationInfo (${(error as Error).message}); kubeadm 1.30 or later is needed`,
    );
  }
}

/** Certificates kubeadm can renew that expire within the window; CAs and external ones it cannot. */
export function dueForRenewal(info: ExpirationInfo, withinSeconds: number): CertificateExpiry[] {
  return info.certificates.filter(
    (cert) => !cert.externallyManaged && !cert.missing && cert.residualSeconds < withinSeconds,
  );
}

function residual(seconds: number): string {
  if (seconds <= 0) return '<invalid>';
  const days = Math.floor(seconds / 86400);
  if (days >= 365) return `${Math.floor(days / 365)}y`;
  if (days >= 1) return `${days}d`;
  return `${Math.floor(seconds / 3600)}h`;
}

/** kubeadm's own columns, certificates then authorities. */
export function formatExpirationTable(info: ExpirationInfo): string {
  const table = (title: string, rows: CertificateExpiry[], withCa: boolean) => {
    const header = [
      title,
      'EXPIRES',
      'RESIDUAL TIME',
      ...(withCa ? ['CERTIFICATE AUTHORITY'] : []),
      'EXTERNALLY MANAGED',
    ];
    const body = rows.map((cert) => [
      cert.name,
      cert.missing ? '<missing>' : cert.expirationDate,
      cert.missing ? '' : residual(cert.residualSeconds),
      ...(withCa ? [cert.caName] : []),
      cert.externallyManaged ? 'yes' : 'no',
    ]);
    const all = [header, ...body];
    const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]!.length)));
    return all
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n');
  };
  return `${table('CERTIFICATE', info.certificates, true)}\n\n${table('CERTIFICATE AUTHORITY', info.authorities, false)}\n`;
}
