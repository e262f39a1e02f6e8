// The stand-in kubeadm "package" on a machine: like a real kubeadm, whose version is built
// into the binary the machine image carries, the stand-in's version is a fact of the machine
// (a file the image or the test fixture installs), never read from the node bundle, so a
// machine whose kubeadm does not match the bundle is found out as a real one would be.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMinor } from '../../../generator/kubeadm/upstream.ts';
import { releasesWithFacts } from '../../upstream-facts/kubeadm-images.ts';
import type { KubeadmVersion } from './config-file.ts';

/** Where the installed stand-in kubeadm package keeps its version, below the machine's root. */
export const KUBEADM_PACKAGE_VERSION_FILE = '/usr/share/kubeseed-stand-ins/kubeadm-version';

/** A release the stand-in can be: one the upstream image facts hold, e.g. "v1.31.0". */
export function parseKubeadmVersion(text: string): KubeadmVersion | undefined {
  const match = /^v(\d+)\.(\d+)\.(\d+)$/.exec(text);
  const minor = match ? `${match[1]}.${match[2]}` : '';
  if (!match || !isMinor(minor) || !releasesWithFacts().includes(text.slice(1))) return undefined;
  return { text, minor, major: Number(match[1]), minorNumber: Number(match[2]) };
}

export function installedKubeadm(root: string): KubeadmVersion | string {
  let text: string;
  try {
    text = readFileSync(join(root, KUBEADM_PACKAGE_VERSION_FILE), 'utf8').trim();
  } catch {
    return `no stand-in kubeadm package on this machine (${KUBEADM_PACKAGE_VERSION_FILE} is missing)`;
  }
  return (
    parseKubeadmVersion(text) ??
    `the stand-in kubeadm package says ${JSON.stringify(text)}: not a release the upstream facts hold`
  );
}
