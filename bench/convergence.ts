// From "the API server answers" to "every node has called kubeadm join", and the load the
// waiting nodes put on the endpoint meanwhile. Goals: every join within 10 s of the
// endpoint answering; at most one probe per node per 5 s on average, spread out.
//
// 1. In-process, virtual time (N = 20 and 200): the real agent code (`kubeseed-boot phase
//    kubeadm` through runCli), each node in its own temporary root with the stand-in kubeadm,
//    the production retry base (1 s), and a Host whose clock and sleep are simulated
//    (test/bootstrap/simulated-time.ts). Files, stand-in processes and TCP/TLS on loopback
//    are real; virtual time stands still while any agent works, so the figures are the
//    agents' timing policy without this 2-core machine's CPU contention. All nodes start
//    waiting in the same instant (the worst case for lockstep); the TLS API stand-in starts
//    listening on a port that refused connections until then, 5 virtual minutes later. A
//    refused port has nobody to count attempts: they are counted at the agents' Host.
// 2. Whole processes (N = 20 built kubeseed-boot binaries) on real time with the
//    production retry base, so the wait takes 5 real minutes. The endpoint accepts TCP and
//    drops the connection until it answers (as a load balancer in front of a starting API
//    server does), so it counts the TLS handshake attempts itself. A join call is the
//    agent's log line `running kubeadm join` (in-process: the Host's run); the report also
//    says when the agents saw the answer and when the stand-in kubeadm was running (its
//    call record). This machine's load counts here: the report says what the load
//    average was. For a quick look,
//    `node --import tsx bench/convergence.ts 200` scales real time down by the retry base
//    (KUBESEED_BOOT_RETRY_BASE_MS = 200: every delay of the agent 5 times shorter, 5
//    minutes become 60 s, figures converted back × 5); that multiplies the machine's
//    scheduling delays by 5 as well. Connect and request timeouts are not scaled; on
//    loopback they never fire.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAgentBuild } from '../images/agent-binary/ensure.ts';
import { hostArch } from '../images/agent-binary/targets.ts';
import {
  convergenceFigures,
  median,
  peakInWindow,
  runConvergence,
  startStagedEndpoint,
} from '../test/bootstrap/convergence-scenario.ts';
import { cleanup, findCall, makeBundle, makeFixture, waitFor } from '../test/bootstrap/helpers.ts';

const WAIT_S = 300;
const GOAL_S = 10;
const LOAD_BOUND = 1 / 5;

interface Figures {
  max: number;
  median: number;
  perNode: number;
  /** What was counted during the wait, and where. */
  wait: string;
  /** TLS handshakes after the endpoint answered. */
  after: string;
  /** Whole processes: the steps between the endpoint answering and kubeadm running. */
  steps?: string;
}

function spread(label: string, seconds: readonly number[]): string {
  return `${label} max ${Math.max(...seconds).toFixed(1)} s, median ${median(seconds).toFixed(1)} s`;
}

function report(label: string, figures: Figures): void {
  const meets = figures.max <= GOAL_S && figures.perNode <= LOAD_BOUND;
  console.log(
    `  ${label}\n    kubeadm join called after the endpoint answered: max ${figures.max.toFixed(1)} s, median ${figures.median.toFixed(1)} s` +
      ` (goal ≤ ${GOAL_S} s); ${meets ? 'meets both goals' : 'MISSES a goal'}` +
      `\n    during the wait: ${figures.perNode.toFixed(3)} per node per s (bound ${LOAD_BOUND}), ${figures.wait}` +
      `\n    after it answered: ${figures.after}` +
      (figures.steps ? `\n    ${figures.steps}` : ''),
  );
}

async function inProcess(nodes: number): Promise<void> {
  try {
    const result = await runConvergence({ nodes, waitMs: WAIT_S * 1000 });
    const failed = result.nodes.filter((node) => node.code !== 0);
    if (failed.length > 0) throw new Error(`${failed.length} agents failed:\n${failed[0]!.host.output}`);
    const figures = convergenceFigures(result);
    report(`in-process on virtual time, N = ${nodes} (endpoint refuses TCP, then answers)`, {
      max: figures.maxJoinS,
      median: figures.medianJoinS,
      perNode: figures.attemptsPerNodePerS,
      wait: `connection attempts counted at the agents' Host: ${figures.attemptsPerS.toFixed(1)}/s in all, busiest second ${figures.peakAttemptsInOneS}`,
      after: `${figures.handshakesPerS.toFixed(1)} TLS handshakes/s at the stand-in until the last join`,
    });
  } finally {
    await cleanup();
  }
}

async function wholeProcesses(nodes: number, baseMs: number): Promise<void> {
  const scale = 1000 / baseMs;
  const binary = (await ensureAgentBuild()).binaries[hostArch()];
  const endpoint = await startStagedEndpoint();
  const bundle = makeBundle('worker', { apiPort: endpoint.port });
  const agents = Array.from({ length: nodes }, () => {
    const fixture = makeFixture(bundle);
    const child = spawn(binary, ['phase', 'kubeadm'], {
      env: { ...fixture.env, KUBESEED_BOOT_RETRY_BASE_MS: String(baseMs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const agent = { fixture, child, output: '', waiting: false, code: undefined as number | null | undefined };
    child.stdout.on('data', (chunk: Buffer) => {
      agent.output += chunk.toString();
      agent.waiting ||= agent.output.includes('waiting for the API server at');
    });
    child.stderr.on('data', (chunk: Buffer) => (agent.output += chunk.toString()));
    child.on('close', (code) => (agent.code = code));
    return agent;
  });
  try {
    if (!(await waitFor(() => agents.every((agent) => agent.waiting), 120_000, 20)))
      throw new Error(`not every agent started waiting:\n${agents.find((agent) => !agent.waiting)?.output}`);
    const waitStarted = Date.now();
    await new Promise((resolve) => setTimeout(resolve, (WAIT_S * 1000) / scale));
    const answeredAt = endpoint.answer();
    if (!(await waitFor(() => agents.every((agent) => agent.code !== undefined), 120_000, 20)))
      throw new Error('not every agent finished after the endpoint answered');
    const broken = agents.find((agent) => agent.code !== 0);
    if (broken) throw new Error(`an agent failed (exit ${broken.code}):\n${broken.output}`);
    const sinceAnswer = (time: number) => ((time - answeredAt) / 1000) * scale;
    // The agents' own log lines (time first) say when they saw the answer and called kubeadm.
    const logged = (text: string) =>
      agents.map(({ output }) => {
        const line = output.split('\n').find((candidate) => candidate.includes(text));
        if (!line) throw new Error(`an agent never logged "${text}":\n${output}`);
        return sinceAnswer(Date.parse(line.split(' ')[0]!));
      });
    const noticed = logged(' answers over TLS verified with the cluster CA');
    const joins = logged(' running kubeadm join ');
    const standIns = agents.map(({ fixture }) => {
      const call = findCall(fixture, 'kubeadm', 'join');
      if (!call) throw new Error('the stand-in kubeadm never recorded a join');
      return sinceAnswer(statSync(join(call, 'argv')).mtimeMs);
    });
    const duringWait = endpoint.droppedHandshakes.filter((at) => at >= waitStarted && at < answeredAt);
    const waitS = ((answeredAt - waitStarted) / 1000) * scale;
    const lastJoin = Math.max(...joins);
    const tlsAfter = endpoint.handshakes.filter((at) => at <= answeredAt + (lastJoin * 1000) / scale).length;
    report(
      `whole processes, N = ${nodes}, ${scale === 1 ? 'real time' : `time scaled 1:${scale} (retry base ${baseMs} ms)`}, load average ${loadavg()[0]!.toFixed(1)} (endpoint accepts TCP and drops it before TLS, then answers)`,
      {
        max: lastJoin,
        median: median(joins),
        perNode: duringWait.length / waitS / nodes,
        wait: `TLS handshake attempts the stand-in received: ${(duringWait.length / waitS).toFixed(1)}/s in all, busiest second ${peakInWindow(duringWait, 1000 / scale)}`,
        after: `${(tlsAfter / lastJoin).toFixed(1)} TLS handshakes/s at the stand-in until the last join`,
        steps: `${spread('the agents saw it answer:', noticed)}; ${spread('the stand-in kubeadm was running:', standIns)}`,
      },
    );
  } finally {
    for (const { child } of agents) if (child.exitCode === null) child.kill('SIGKILL');
    await endpoint.close();
    await cleanup();
  }
}

export async function benchConvergence(wholeProcessBaseMs = 1000): Promise<void> {
  console.log(
    `convergence: ${WAIT_S} s of waiting, then the endpoint answers (goals: every kubeadm join within ${GOAL_S} s; ≤ ${LOAD_BOUND} probes/s per node)`,
  );
  await inProcess(20);
  await inProcess(200);
  await wholeProcesses(20, wholeProcessBaseMs);
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  await benchConvergence(process.argv[2] ? Number(process.argv[2]) : undefined);
