// Agent start → kubeadm invoked: the single-file binary runs a whole init-node boot against
// a temporary root with stand-in executables (no waits), timed from spawn to the moment
// the stand-in kubeadm records `kubeadm init`.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAgentBuild } from '../images/agent-binary/ensure.ts';
import { hostArch } from '../images/agent-binary/targets.ts';
import { cleanup, findCall, makeBundle, makeFixture } from '../test/bootstrap/helpers.ts';

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeToKubeadm(binary: string): Promise<number> {
  const fixture = makeFixture(makeBundle('init'));
  const started = Date.now();
  const child = spawn(binary, ['run'], { env: fixture.env, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0)
    throw new Error(
      `kubeseed-boot run exited ${code}: ${readFileSync(join(fixture.root, 'var/log/kubeseed-boot.log'), 'utf8')}`,
    );
  const call = findCall(fixture, 'kubeadm', 'init');
  if (!call) throw new Error('the stand-in kubeadm was never asked to init');
  return statSync(join(call, 'argv')).mtimeMs - started;
}

export async function benchAgentStart(): Promise<number> {
  const build = await ensureAgentBuild();
  const binary = build.binaries[hostArch()];
  const times: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) times.push(await timeToKubeadm(binary));
  } finally {
    await cleanup();
  }
  const result = median(times);
  console.log(
    `agent start → kubeadm init invoked (binary, stand-ins, no waits), median of ${RUNS}: ${result.toFixed(0)} ms (goal ≤ 300 ms)`,
  );
  return result;
}
