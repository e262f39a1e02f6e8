// `kubeseed generate` at fleet scale as a whole process — wall time, user CPU, peak memory —
// beside `tar x` of the very tree it wrote (the I/O floor of this disk), for 1,000, 5,000
// and 20,000 workers; and how fast `validate` and `--help` start beside `node -e 0`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/kubeseed.js', import.meta.url));
const RUNS = 3;
const FLEETS = [
  { workers: 1000, runs: RUNS },
  { workers: 5000, runs: RUNS },
  { workers: 20000, runs: 1 },
];
const START_RUNS = 5;

export function fleetSpec(workers: number): string {
  const controlPlanes = [1, 2, 3].map((i) => `  - {name: cp-${i}, role: control-plane, address: 10.0.0.${10 + i}}`);
  const nodes = Array.from(
    { length: workers },
    (_, i) => `  - {name: worker-${i + 1}, role: worker, address: 10.${1 + Math.floor(i / 250)}.${i % 250}.1}`,
  );
  return [
    'apiVersion: kubeseed.dev/v1alpha1',
    'kind: Cluster',
    'name: fleet',
    'kubernetesVersion: 1.34.2',
    'controlPlaneEndpoint: 10.0.0.10:6443',
    // A /9 holds 32,768 per-node /24s: 20,003 nodes need more than a /10's 16,384.
    'networking: {podSubnet: 10.128.0.0/9}',
    'pki: {algorithm: ECDSA-P256}',
    'machineImage: prepared',
    'nodes:',
    ...controlPlanes,
    ...nodes,
    '',
  ].join('\n');
}

interface Usage {
  wallMs: number;
  userMs: number;
  systemMs: number;
  peakMiB: number;
}

/** One whole process under GNU time: its wall clock, CPU and peak resident memory. */
function measured(command: string[], cwd?: string): Usage {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...command], {
    encoding: 'utf8',
    ...(cwd ? { cwd } : {}),
  });
  if (result.status !== 0) throw new Error(`${command.join(' ')}: ${result.stderr}`);
  const [wall, user, system, kib] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallMs: wall! * 1000, userMs: user! * 1000, systemMs: system! * 1000, peakMiB: kib! / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function medians(usages: Usage[]): Usage {
  return {
    wallMs: median(usages.map((usage) => usage.wallMs)),
    userMs: median(usages.map((usage) => usage.userMs)),
    systemMs: median(usages.map((usage) => usage.systemMs)),
    peakMiB: median(usages.map((usage) => usage.peakMiB)),
  };
}

export interface FleetBench {
  workers: number;
  generate: Usage;
  tarExtract: Usage;
}

/**
 * Every run writes into new directories, and nothing is deleted until the whole section
 * is done: on ext4, creating files soon after many were deleted is several times slower
 * (the inode allocator skips recently freed inodes), which would slow whichever side
 * happened to follow a deletion.
 */
function benchFleet(work: string, workers: number, runs: number): FleetBench {
  const spec = join(work, `cluster-${workers}.yaml`);
  writeFileSync(spec, fleetSpec(workers));
  const tree = join(work, `tree-${workers}.tar`);
  const generate: Usage[] = [];
  const tarExtract: Usage[] = [];
  for (let run = 0; run < runs; run++) {
    const out = join(work, `generated-${workers}-${run}`);
    // Each run starts with no earlier writes pending.
    execFileSync('sync');
    generate.push(measured([process.execPath, BIN, 'generate', '-f', spec, '-o', out]));
    if (run === 0) execFileSync('tar', ['cf', tree, '-C', out, '.']);
    const into = join(work, `extracted-${workers}-${run}`);
    mkdirSync(into);
    execFileSync('sync');
    // generate makes its files durable (syncfs) before it returns; so does the reference.
    tarExtract.push(measured(['sh', '-c', `tar xf "$1" -C "$2" && sync -f "$2"`, 'tar', tree, into]));
  }
  return { workers, generate: medians(generate), tarExtract: medians(tarExtract) };
}

function startMs(args: string[]): number {
  return medians(Array.from({ length: START_RUNS }, () => measured([process.execPath, ...args]))).wallMs;
}

export function benchFleets(): FleetBench[] {
  const work = mkdtempSync(join(tmpdir(), 'kubeseed-bench-fleet-'));
  let results: FleetBench[];
  try {
    results = FLEETS.map(({ workers, runs }) => benchFleet(work, workers, runs));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log('\ngenerate at fleet scale: 3 control planes + N workers, ECDSA-P256, whole process, median of', RUNS);
  console.log('(20,000: one run). Reference: tar x of the same output tree, then sync -f, as generate ends with.');
  console.log(
    'workers  generate wall  user CPU  sys CPU  peak RSS    tar x wall  tar user  wall ratio   goals (5,000)',
  );
  for (const { workers, generate: g, tarExtract: t } of results) {
    console.log(
      `${String(workers).padStart(7)}  ${g.wallMs.toFixed(0).padStart(10)} ms  ${g.userMs.toFixed(0).padStart(5)} ms  ${g.systemMs.toFixed(0).padStart(4)} ms  ${g.peakMiB.toFixed(0).padStart(4)} MiB  ${t.wallMs.toFixed(0).padStart(7)} ms  ${t.userMs.toFixed(0).padStart(5)} ms  ${(g.wallMs / t.wallMs).toFixed(2).padStart(7)}×    ${workers === 5000 ? 'user ≤1500 ms, ratio ≤1.3×, ≤300 MiB' : ''}`,
    );
  }
  benchStart();
  return results;
}

/** Only the start section: `node --import tsx -e "import('./bench/fleet.ts').then(m=>m.benchStart())"`. */
export function benchStart(): void {
  const node = startMs(['-e', '0']);
  const validateSpec = mkdtempSync(join(tmpdir(), 'kubeseed-bench-start-'));
  try {
    writeFileSync(join(validateSpec, 'cluster.yaml'), fleetSpec(100));
    const validate = startMs([BIN, 'validate', '-f', join(validateSpec, 'cluster.yaml')]);
    const help = startMs([BIN, '--help']);
    console.log(
      `start, median of ${START_RUNS}: node -e 0 ${node.toFixed(0)} ms   validate (3 + 100) ${validate.toFixed(0)} ms   --help ${help.toFixed(0)} ms   goal ≤150 ms`,
    );
  } finally {
    rmSync(validateSpec, { recursive: true, force: true });
  }
}
