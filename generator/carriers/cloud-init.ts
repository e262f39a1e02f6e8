// The cloud-init carrier: #cloud-config user-data that writes the node bundle and starts
// kubeseed-boot. The bundle travels gzip+base64 inside write_files (cloud-init's
// gz+b64 encoding), which keeps a control plane's eight PEM files small enough for EC2.
import { gzipSync } from 'node:zlib';
import { BUNDLE_PATH } from '../../core/node-bundle.ts';
import { stringifyYaml } from '../../core/yaml-stringify.ts';

export const CLOUD_CONFIG_HEADER = '#cloud-config\n';
export const AGENT_UNIT = 'kubeseed-boot.service';

export interface CloudInitInput {
  hostname: string;
  bundleText: string;
  sshAuthorizedKeys: readonly string[];
}

export function gzip(data: string | Uint8Array): Buffer {
  // Level 9 and zlib's fixed header (mtime 0) keep the output byte-identical across runs.
  return gzipSync(data, { level: 9 });
}

export function renderCloudInit(input: CloudInitInput): string {
  const config = {
    hostname: input.hostname,
    ...(input.sshAuthorizedKeys.length > 0 ? { ssh_authorized_keys: [...input.sshAuthorizedKeys] } : {}),
    write_files: [
      {
        path: BUNDLE_PATH,
        owner: 'root:root',
        permissions: '0600',
        encoding: 'gz+b64',
        content: gzip(input.bundleText).toString('base64'),
      },
    ],
    // The unit also starts on its own (WantedBy=multi-user.target, after cloud-init has
    // written the bundle); starting it here covers images where it was not enabled.
    runcmd: [['systemctl', 'start', '--no-block', AGENT_UNIT]],
  };
  return CLOUD_CONFIG_HEADER + stringifyYaml(config);
}
