// containerd's configuration in the version 2 format, which containerd 1.6/1.7 read
// (Debian bookworm ships 1.6.20) and containerd 2.x converts on load (checked with 2.1.9's
// `config dump`). Mirrors use the
// certs.d host directories, not the deprecated registry.mirrors table.
import type { NodeBundle, RegistryMirror } from '../core/node-bundle.ts';
import { CONTAINERD_CERTS_DIR, OWNED_HEADER } from './paths.ts';

/** A TOML basic string: JSON's escapes are all valid TOML escapes. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

export function containerdConfig(runtime: NodeBundle['runtime']): string {
  return [
    OWNED_HEADER,
    'version = 2',
    '',
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${tomlString(runtime.sandboxImage)}`,
    '',
    // Named explicitly: a config that sets only the options table would leave runtime_type empty.
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '  SystemdCgroup = true',
    '',
    // Debian's containerd looks for CNI plugins in /usr/lib/cni; the kubernetes-cni package and
    // pod networks put them in /opt/cni/bin. containerd 2.x turns this into bin_dirs.
    '[plugins."io.containerd.grpc.v1.cri".cni]',
    '  bin_dir = "/opt/cni/bin"',
    '  conf_dir = "/etc/cni/net.d"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".registry]',
    `  config_path = ${tomlString(CONTAINERD_CERTS_DIR)}`,
    '',
  ].join('\n');
}

export function mirrorDir(mirror: RegistryMirror): string {
  return `${CONTAINERD_CERTS_DIR}/${mirror.host}`;
}

export function mirrorCaPath(mirror: RegistryMirror): string {
  return `${mirrorDir(mirror)}/ca.crt`;
}

/** Docker Hub is the one registry whose API host differs from its name. */
function upstream(host: string): string {
  return host === 'docker.io' ? 'https://registry-1.docker.io' : `https://${host}`;
}

export function hostsToml(mirror: RegistryMirror): string {
  const lines = [OWNED_HEADER, `server = ${tomlString(upstream(mirror.host))}`];
  for (const endpoint of mirror.mirrors) {
    lines.push('', `[host.${tomlString(endpoint)}]`, '  capabilities = ["pull", "resolve"]');
    if (mirror.caCertificate !== undefined) lines.push(`  ca = ${tomlString(mirrorCaPath(mirror))}`);
    if (mirror.skipVerify) lines.push('  skip_verify = true');
  }
  return `${lines.join('\n')}\n`;
}
