// Which distribution a stock image runs, from /etc/os-release (os-release(5)), and whether
// kubeseed-boot knows how to install Kubernetes on it: apt on Ubuntu LTS, Debian and Raspberry
// Pi OS, dnf on the RHEL family and Fedora. Everything else is refused by name.
import { KubeseedError } from '../../core/errors.ts';
import type { PackageFormat } from '../../core/package-catalogue.ts';

export const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  prettyName: string;
}

export interface Distribution {
  /** What logs call it, e.g. `Debian 12 (bookworm)`. */
  name: string;
  packageManager: 'apt' | 'dnf';
  format: PackageFormat;
}

export const SUPPORTED_DISTRIBUTIONS =
  'Ubuntu 22.04, 24.04 and later LTS releases, Debian 12 and 13, Raspberry Pi OS (Debian 12 or 13 based, arm64), Rocky Linux, AlmaLinux and RHEL 9 and 10, Fedora 40 and later';

/** KEY=value lines; values may be quoted and use shell escapes. */
export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    let value = match[2]!;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2)
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    fields[match[1]!] = value;
  }
  return {
    id: fields.ID ?? 'linux',
    idLike: (fields.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    versionId: fields.VERSION_ID ?? '',
    prettyName: fields.PRETTY_NAME ?? fields.NAME ?? fields.ID ?? 'an unnamed Linux distribution',
  };
}

function major(versionId: string): number {
  return Number.parseInt(versionId, 10);
}

function unsupported(os: OsRelease, why: string): KubeseedError {
  return new KubeseedError(
    'unsupported',
    `${os.prettyName} (ID=${os.id}${os.versionId ? ` VERSION_ID=${os.versionId}` : ''}) ${why}; kubeseed-boot installs Kubernetes on ${SUPPORTED_DISTRIBUTIONS}. Use one of those, or a prepared image (machineImage: prepared) that carries containerd, kubeadm, kubelet and kubectl`,
  );
}

/** `rpiIssue`: whether /etc/rpi-issue exists, which is how Raspberry Pi OS tells itself from Debian. */
export function distributionOf(os: OsRelease, rpiIssue: boolean): Distribution {
  const version = major(os.versionId);
  switch (os.id) {
    case 'ubuntu': {
      // LTS releases are the April ones of even years.
      const lts = /^\d\d\.04$/.test(os.versionId) && version % 2 === 0 && version >= 22;
      if (!lts) throw unsupported(os, 'is not a supported Ubuntu LTS release');
      return { name: os.prettyName, packageManager: 'apt', format: 'deb' };
    }
    case 'debian':
      if (version !== 12 && version !== 13) throw unsupported(os, 'is not Debian 12 or 13');
      return {
        name: rpiIssue ? `Raspberry Pi OS (${os.prettyName})` : os.prettyName,
        packageManager: 'apt',
        format: 'deb',
      };
    case 'raspbian':
      throw unsupported(
        os,
        'is the 32-bit Raspberry Pi OS, for which no Kubernetes packages are built (use the arm64 image)',
      );
    case 'rhel':
    case 'rocky':
    case 'almalinux':
      if (version !== 9 && version !== 10) throw unsupported(os, 'is not release 9 or 10');
      return { name: os.prettyName, packageManager: 'dnf', format: 'rpm' };
    case 'fedora':
      if (!(version >= 40)) throw unsupported(os, 'is older than Fedora 40');
      return { name: os.prettyName, packageManager: 'dnf', format: 'rpm' };
    default:
      throw unsupported(os, 'is not a distribution kubeseed-boot installs on');
  }
}
