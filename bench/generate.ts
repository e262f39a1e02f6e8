// `kubeseed generate` for 3 control planes + 100 workers as a whole process, per key
// algorithm, beside an openssl shell script that makes the same PKI; and the user-data
// sizes against their budgets.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createClusterPki } from '../generator/pki/cluster-pki.ts';
import type { KeyAlgorithm } from '../generator/spec/types.ts';

const BIN = fileURLToPath(new URL('../bin/kubeseed.js', import.meta.url));
const RUNS = 5;

function clusterSpec(algorithm: KeyAlgorithm): string {
  const controlPlanes = [1, 2, 3].map((i) => `  - {name: cp-${i}, role: control-plane, address: 10.0.0.${10 + i}}`);
  const workers = Array.from(
    { length: 100 },
    (_, i) => `  - {name: worker-${i + 1}, role: worker, address: 10.0.1.${i + 1}}`,
  );
  return [
    'apiVersion: kubeseed.dev/v1alpha1',
    'kind: Cluster',
    'name: bench',
    'kubernetesVersion: 1.34.2',
    'controlPlaneEndpoint: 10.0.0.10:6443',
    'networking: {podSubnet: 10.244.0.0/16}',
    `pki: {algorithm: ${algorithm}}`,
    'machineImage: prepared',
    'nodes:',
    ...controlPlanes,
    ...workers,
    '',
  ].join('\n');
}

const OPENSSL_KEY: Record<string, string> = {
  'RSA-2048': 'openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048',
  'ECDSA-P256': 'openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256',
};

/** The same eight shared files plus the admin client certificate, the way a shell script makes them. */
function opensslScript(algorithm: string): string {
  const key = OPENSSL_KEY[algorithm]!;
  const ca = (name: string, cn: string) =>
    `${key} -out ${name}.key 2>/dev/null && openssl req -x509 -new -key ${name}.key -subj /CN=${cn} -days 3650 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign -out ${name}.crt`;
  return [
    'set -e',
    ca('ca', 'kubernetes'),
    ca('front-proxy-ca', 'front-proxy-ca'),
    ca('etcd-ca', 'etcd-ca'),
    `${key} -out sa.key 2>/dev/null && openssl pkey -in sa.key -pubout -out sa.pub`,
    `${key} -out admin.key 2>/dev/null`,
    'openssl req -new -key admin.key -subj "/O=kubeadm:cluster-admins/CN=kubernetes-admin" -out admin.csr',
    'openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out admin.crt 2>/dev/null',
  ].join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export interface GenerateBench {
  algorithm: string;
  generateMs: number;
  pkiInProcessMs: number;
  opensslMs: number;
  initUserDataGzip: number;
  workerUserDataGzip: number;
}

async function benchAlgorithm(algorithm: KeyAlgorithm): Promise<GenerateBench> {
  const work = mkdtempSync(join(tmpdir(), 'kubeseed-bench-'));
  try {
    writeFileSync(join(work, 'cluster.yaml'), clusterSpec(algorithm));
    // One unmeasured run warms the page cache for node, the bundle and the templates.
    const generateTimes = Array.from({ length: RUNS + 1 }, (_, run) => {
      // Flush earlier runs' writes and deletes first, so each run pays only for its own files.
      execFileSync('sync');
      return timed(() => {
        const result = spawnSync(
          process.execPath,
          [BIN, 'generate', '-f', join(work, 'cluster.yaml'), '-o', join(work, `out-${run}`)],
          { encoding: 'utf8' },
        );
        if (result.status !== 0) throw new Error(result.stderr);
      });
    }).slice(1);
    const pkiTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const start = process.hrtime.bigint();
      await createClusterPki({ algorithm, caValidityHours: 87600, certValidityHours: 8760, now: new Date() });
      pkiTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const opensslTimes = Array.from({ length: RUNS }, (_, run) => {
      const dir = join(work, `openssl-${run}`);
      execFileSync('mkdir', ['-p', dir]);
      return timed(() => execFileSync('bash', ['-c', opensslScript(algorithm)], { cwd: dir }));
    });
    const sizeOf = (node: string) =>
      gzipSync(readFileSync(join(work, 'out-0', 'nodes', node, 'user-data')), { level: 9 }).length;
    return {
      algorithm,
      generateMs: median(generateTimes),
      pkiInProcessMs: median(pkiTimes),
      opensslMs: median(opensslTimes),
      initUserDataGzip: sizeOf('cp-1'),
      workerUserDataGzip: sizeOf('worker-1'),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export async function benchGenerate(): Promise<GenerateBench[]> {
  const results: GenerateBench[] = [];
  for (const algorithm of ['ECDSA-P256', 'RSA-2048'] as const) results.push(await benchAlgorithm(algorithm));
  console.log('\ngenerate: 3 control planes + 100 workers, whole process, median of', RUNS);
  console.log('algorithm    generate   goal      PKI in-process  openssl script  openssl/PKI  init gz  worker gz');
  for (const r of results) {
    const goal = r.algorithm === 'ECDSA-P256' ? 400 : 1000;
    console.log(
      `${r.algorithm.padEnd(12)} ${r.generateMs.toFixed(0).padStart(5)} ms  ≤${goal} ms  ${r.pkiInProcessMs.toFixed(0).padStart(8)} ms     ${r.opensslMs.toFixed(0).padStart(8)} ms     ${(r.opensslMs / r.pkiInProcessMs).toFixed(1).padStart(6)}×    ${r.initUserDataGzip} B   ${r.workerUserDataGzip} B`,
    );
  }
  console.log('budgets: init-node user-data ≤ 8192 B gzip, worker ≤ 2048 B gzip (RSA-2048)');
  return results;
}
