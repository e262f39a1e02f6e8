// The Ignition carrier for Flatcar and Fedora CoreOS: a spec 3.3.0 config that writes the
// node bundle, downloads kubeseed-boot (verified by Ignition before anything runs) and
// enables its unit. Ignition writes all of it in the initramfs, before systemd starts the
// real system: an invalid config or a download that does not match its hash stops the boot
// there, so kubeseed-boot never runs from a half-written machine.
import { KubeseedError } from '../../core/errors.ts';
import { BUNDLE_PATH } from '../../core/node-bundle.ts';
import type { RemoteFile } from '../spec/types.ts';
import { AGENT_UNIT, gzip } from './cloud-init.ts';

// 3.3.0: the newest spec Flatcar guarantees (since 3185.0.0); Fedora CoreOS reads it too.
export const IGNITION_SPEC_VERSION = '3.3.0';
// Flatcar's /usr is read-only, so the agent cannot live at the image recipe's
// /usr/local/bin; /opt/bin is on Flatcar's PATH.
export const AGENT_PATH = '/opt/bin/kubeseed-boot';
// The layout Flatcar's sysext docs use: the image under /opt/extensions, activated by a
// link in /etc/extensions that systemd-sysext merges into /usr at boot.
export const SYSEXT_IMAGE_PATH = '/opt/extensions/kubernetes/kubernetes.raw';
export const SYSEXT_LINK_PATH = '/etc/extensions/kubernetes.raw';

const MODE_SECRET = 0o600;
const MODE_PUBLIC = 0o644;
const MODE_EXECUTABLE = 0o755;

export interface IgnitionInput {
  hostname: string;
  bundleText: string;
  sshAuthorizedKeys: readonly string[];
  agent: RemoteFile;
  kubernetesSysext?: RemoteFile;
  /** The kubeseed-boot.service text (templates/kubeseed-boot.service). */
  agentUnit: string;
}

function remoteContents(file: RemoteFile) {
  return { source: file.url, verification: { hash: `sha512-${file.sha512}` } };
}

function textDataUrl(text: string): string {
  return `data:,${encodeURIComponent(text)}`;
}

/** The unit's ExecStart pointed at AGENT_PATH; the rest of the unit text stays as written. */
export function unitForOptBin(unit: string): string {
  const execStart = /^ExecStart=\S*kubeseed-boot(?=\s|$)/gm;
  const found = unit.match(execStart)?.length ?? 0;
  if (found !== 1) {
    throw new KubeseedError(
      'invalid-input',
      `kubeseed-boot.service: expected one ExecStart= line running kubeseed-boot, found ${found}; pass templates/kubeseed-boot.service as shipped`,
    );
  }
  return unit.replace(execStart, `ExecStart=${AGENT_PATH}`);
}

export function renderIgnition(input: IgnitionInput): string {
  const files = [
    {
      path: BUNDLE_PATH,
      mode: MODE_SECRET,
      overwrite: true,
      // Ignition decompresses after decoding the data URL; gzip keeps a control plane's
      // bundle inside small user-data limits, as with cloud-init.
      contents: { compression: 'gzip', source: `data:;base64,${gzip(input.bundleText).toString('base64')}` },
    },
    {
      path: '/etc/hostname',
      mode: MODE_PUBLIC,
      overwrite: true,
      contents: { source: textDataUrl(`${input.hostname}\n`) },
    },
    { path: AGENT_PATH, mode: MODE_EXECUTABLE, overwrite: true, contents: remoteContents(input.agent) },
    ...(input.kubernetesSysext
      ? [
          {
            path: SYSEXT_IMAGE_PATH,
            mode: MODE_PUBLIC,
            overwrite: true,
            contents: remoteContents(input.kubernetesSysext),
          },
        ]
      : []),
  ];
  const config = {
    ignition: { version: IGNITION_SPEC_VERSION },
    ...(input.sshAuthorizedKeys.length > 0
      ? { passwd: { users: [{ name: 'core', sshAuthorizedKeys: [...input.sshAuthorizedKeys] }] } }
      : {}),
    storage: {
      files,
      ...(input.kubernetesSysext
        ? { links: [{ path: SYSEXT_LINK_PATH, target: SYSEXT_IMAGE_PATH, hard: false, overwrite: true }] }
        : {}),
    },
    systemd: { units: [{ name: AGENT_UNIT, enabled: true, contents: unitForOptBin(input.agentUnit) }] },
  };
  // Compact: the config counts against the same user-data limits as cloud-init's.
  return `${JSON.stringify(config)}\n`;
}
