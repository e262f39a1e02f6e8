// What the single-file binary costs against running the agent script with an installed node:
// start-up time of `version` (median of interleaved runs) and the size a machine image
// carries, raw and xz -6. `node --import tsx bench/agent-binary.ts [RUNS]` runs it alone.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KubeseedError } from '../core/errors.ts';
import { ensureAgentBuild } from '../images/agent-binary/ensure.ts';
import { fileSize, formatBytes, xzSize } from '../images/agent-binary/sizes.ts';
import { AGENT_ARCHES, type AgentArch, hostArch } from '../images/agent-binary/targets.ts';

export interface AgentBinaryBench {
  runs: number;
  /** Median wall time of `kubeseed-boot-linux-<host arch> version`. */
  binaryMs: number;
  /** Median wall time of `node dist/kubeseed-boot.cjs version` with this process's node. */
  scriptMs: number;
  /** binaryMs / scriptMs. */
  ratio: number;
  sizes: Record<AgentArch, { bytes: number; xzBytes: number }>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeRun(command: string, args: string[], env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(command, args, { env, stdio: 'ignore' });
  const elapsed = performance.now() - started;
  if (result.status !== 0)
    throw new KubeseedError('command-failed', `${command} ${args.join(' ')}: exit ${result.status}`);
  return elapsed;
}

export async function benchAgentBinary(runs = 15): Promise<AgentBinaryBench> {
  const build = await ensureAgentBuild();
  const { NODE_OPTIONS: _options, ...env } = process.env;
  const binary = build.binaries[hostArch()];
  const binaryTimes: number[] = [];
  const scriptTimes: number[] = [];
  // One unmeasured round warms the page cache; interleaving spreads any drift over both.
  for (let round = 0; round <= runs; round++) {
    const binaryMs = timeRun(binary, ['version'], env);
    const scriptMs = timeRun(process.execPath, [build.script, 'version'], env);
    if (round > 0) {
      binaryTimes.push(binaryMs);
      scriptTimes.push(scriptMs);
    }
  }
  const sizeEntries = await Promise.all(
    AGENT_ARCHES.map(async (arch) => {
      const path = build.binaries[arch];
      return [arch, { bytes: await fileSize(path), xzBytes: await xzSize(path) }] as const;
    }),
  );
  const result: AgentBinaryBench = {
    runs,
    binaryMs: median(binaryTimes),
    scriptMs: median(scriptTimes),
    ratio: median(binaryTimes) / median(scriptTimes),
    sizes: Object.fromEntries(sizeEntries) as AgentBinaryBench['sizes'],
  };
  console.log(`agent binary: \`version\`, median of ${runs} runs`);
  console.log(`  kubeseed-boot-linux-${hostArch()}   ${result.binaryMs.toFixed(1)} ms`);
  console.log(
    `  node ${process.version} kubeseed-boot.cjs   ${result.scriptMs.toFixed(1)} ms   (binary/bundle ${result.ratio.toFixed(2)})`,
  );
  for (const arch of AGENT_ARCHES) {
    const { bytes, xzBytes } = result.sizes[arch];
    console.log(
      `  ${arch.padEnd(6)} stripped ${formatBytes(bytes).padStart(9)}   xz -6 ${formatBytes(xzBytes).padStart(8)}`,
    );
  }
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchAgentBinary(process.argv[2] ? Number(process.argv[2]) : undefined);
}
