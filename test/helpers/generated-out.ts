// A real `kubeseed generate` output directory for tests of what consumes it (carriers and
// media): one control plane and workers of both architectures and carriers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { KubeseedError } from '../../core/errors.ts';
import { runCli } from './run-cli.ts';

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

export function generateOut(): GeneratedOut {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-media-'));
  writeFileSync(join(dir, 'cluster.yaml'), SPEC);
  const out = join(dir, 'out');
  const result = runCli(['generate', '-f', join(dir, 'cluster.yaml'), '-o', out]);
  if (result.code !== 0) throw new Error(`kubeseed generate failed: ${result.stderr}`);
  return { dir, out, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `fn` with stdout and stderr captured, so command summaries stay out of the test log. */
export async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await fn(), stdout, stderr };
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
  }
}

/** Asserts that `fn` throws a KubeseedError with this code and a message matching `message`. */
export async function rejectsWith(fn: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  try {
    await captured(fn);
  } catch (error) {
    assert.instance(error, KubeseedError, (error as Error).message);
    assert.is((error as KubeseedError).code, code);
    assert.match((error as Error).message, message);
    return;
  }
  assert.unreachable('expected a KubeseedError');
}
