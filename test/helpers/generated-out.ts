// A real `kubeseed generate` output directory for tests of what consumes it (carriers and
// media): one control plane and workers of both architectures and carriers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliOk } from './run-cli.ts';

export const SPEC = `apiVersion: kubeseed.dev/v1alpha1
kind: Cluster
name: lab
kubernetesVersion: 1.34.2
controlPlaneEndpoint: 10.0.0.5:6443
networking:
  podSubnet: 10.244.0.0/16
pki:
  algorithm: ECDSA-P256
agent:
  amd64: {url: "http://127.0.0.1:9/kubeseed-boot-linux-amd64", sha512: "${'0'.repeat(128)}"}
  arm64: {url: "http://127.0.0.1:9/kubeseed-boot-linux-arm64", sha512: "${'1'.repeat(128)}"}
nodes:
  - name: cp-1
    role: control-plane
    address: 10.0.0.11
    sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx0 ops@example"]
  - name: pi-1
    role: worker
    arch: arm64
  - name: w-1
    role: worker
    address: 10.0.0.21
  - name: fc-1
    role: worker
    carrier: ignition
`;

export interface GeneratedOut {
  dir: string;
  out: string;
  cleanup(): void;
}

export async function generateOut(): Promise<GeneratedOut> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-media-'));
  writeFileSync(join(dir, 'cluster.yaml'), SPEC);
  const out = join(dir, 'out');
  await runCliOk(['generate', '-f', join(dir, 'cluster.yaml'), '-o', out]);
  return { dir, out, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
