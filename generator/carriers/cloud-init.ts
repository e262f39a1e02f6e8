// The cloud-init carrier: #cloud-config user-data that writes the node bundle and starts
// kubeseed-boot. A control plane's bundle travels gzip+base64 inside write_files
// (cloud-init's gz+b64 encoding), which keeps its eight PEM files small enough for EC2; a
// worker's (the CA certificate and a token) is small as text, and a fleet of workers
// would pay a compression each for nothing.
// On a stock image it also brings the agent itself (stock-image.ts).
import { gzipSync } from 'node:zlib';
import { BUNDLE_PATH } from '../../core/node-bundle.ts';
import { stringifyYaml } from '../../core/yaml-stringify.ts';
import type { RemoteFile } from '../spec/types.ts';
import { FETCH_SCRIPT_PATH, fetchAgentScript, stockImageUnit } from './stock-image.ts';

export const CLOUD_CONFIG_HEADER = '#cloud-config\n';
export const AGENT_UNIT = 'kubeseed-boot.service';

export interface CloudInitInput {
  hostname: string;
  bundleText: string;
  compressBundle: boolean;
  sshAuthorizedKeys: readonly string[];
  /** A stock image: where kubeseed-boot is fetched from, and its unit (templates/kubeseed-boot.service). */
  stock?: { agent: RemoteFile; agentUnit: string };
}

const UNIT_PATH = '/etc/systemd/system/kubeseed-boot.service';

export function gzip(data: string | Uint8Array): Buffer {
  // Level 9 and zlib's fixed header (mtime 0) keep the output byte-identical across runs.
  return gzipSync(data, { level: 9 });
}

function gzipFile(path: string, permissions: string, encoded: string) {
  return { path, owner: 'root:root', permissions, encoding: 'gz+b64', content: encoded };
}

// The unit and the fetch script are the same on every stock node of one arch: a fleet
// compresses each once.
const sharedEncoded = new Map<string, string>();
const MAX_SHARED = 64;

function encodedShared(content: string): string {
  let encoded = sharedEncoded.get(content);
  if (encoded === undefined) {
    encoded = gzip(content).toString('base64');
    if (sharedEncoded.size < MAX_SHARED) sharedEncoded.set(content, encoded);
  }
  return encoded;
}

/**
 * The unit is enabled before the download, so a reboot in the middle of it resumes through the
 * unit; a download that does not match (the script exits 1) leaves the unit unstarted.
 */
function stockRuncmd(): Array<string | string[]> {
  return [
    ['systemctl', 'daemon-reload'],
    ['systemctl', 'enable', AGENT_UNIT],
    `${FETCH_SCRIPT_PATH} && systemctl start --no-block ${AGENT_UNIT}`,
  ];
}

export function renderCloudInit(input: CloudInitInput): string {
  const stock = input.stock;
  const config = {
    hostname: input.hostname,
    ...(input.sshAuthorizedKeys.length > 0 ? { ssh_authorized_keys: [...input.sshAuthorizedKeys] } : {}),
    write_files: [
      input.compressBundle
        ? gzipFile(BUNDLE_PATH, '0600', gzip(input.bundleText).toString('base64'))
        : { path: BUNDLE_PATH, owner: 'root:root', permissions: '0600', content: input.bundleText },
      ...(stock
        ? [
            gzipFile(UNIT_PATH, '0644', encodedShared(stockImageUnit(stock.agentUnit))),
            gzipFile(FETCH_SCRIPT_PATH, '0755', encodedShared(fetchAgentScript(stock.agent))),
          ]
        : []),
    ],
    // Prepared images: the unit also starts on its own (WantedBy=multi-user.target, after
    // cloud-init has written the bundle); starting it here covers images where it was not enabled.
    runcmd: stock ? stockRuncmd() : [['systemctl', 'start', '--no-block', AGENT_UNIT]],
  };
  return CLOUD_CONFIG_HEADER + stringifyYaml(config);
}
