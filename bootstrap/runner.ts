// Walks the phase list. A phase recorded done whose effects are still in place is
// skipped; one that was running when the agent died is simply run again (every phase is
// safe to rerun); success is recorded only after `run` returned.
import { formatError, KubeseedError } from '../core/errors.ts';
import type { AgentContext } from './context.ts';
import type { Phase } from './phase.ts';
import { redact } from './redact.ts';

function errorText(error: unknown): string {
  if (error instanceof KubeseedError) return formatError(error);
  return `internal error: ${(error as Error)?.stack ?? String(error)}`;
}

function seconds(from: Date, to: Date): string {
  return `${((to.getTime() - from.getTime()) / 1000).toFixed(1)} s`;
}

async function execute(agent: AgentContext, phase: Phase): Promise<void> {
  const ctx = agent.forPhase(phase.name);
  const started = agent.host.now();
  await agent.journal.begin(phase.name);
  ctx.log.info(`started: ${phase.summary}`);
  try {
    await phase.run(ctx);
  } catch (error) {
    const text = errorText(error);
    // Redacted whole: line by line, a PEM block's body would not be recognised.
    for (const line of redact(text).split('\n')) ctx.log.error(line.trim());
    await agent.journal.fail(phase.name, text);
    throw error;
  }
  await agent.journal.succeed(phase.name);
  ctx.log.info(`done in ${seconds(started, agent.host.now())}`);
}

/** Runs a phase unless it does not apply to this node or is done already. */
async function runIfNeeded(agent: AgentContext, phase: Phase): Promise<void> {
  const ctx = agent.forPhase(phase.name);
  if (phase.runIf && !phase.runIf(ctx)) {
    await agent.journal.skip(phase.name);
    ctx.log.info(`skipped: does not apply to a ${agent.bundle.node.role} node`);
    return;
  }
  const record = agent.journal.record(phase.name);
  if (record.status === 'done') {
    if (await phase.isDone(ctx)) {
      ctx.log.info('already done');
      return;
    }
    ctx.log.warn('recorded as done but its effects are not in place; running it again');
  } else if (record.status === 'running') {
    ctx.log.warn('was interrupted; running it again');
  }
  await execute(agent, phase);
}

/** `kubeseed-boot run`: every phase in order; stops at the first failure. */
export async function runAll(agent: AgentContext): Promise<void> {
  const [load, ...rest] = agent.phases;
  if (load) await execute(agent, load);
  for (const phase of rest) await runIfNeeded(agent, phase);
}

/** `kubeseed-boot phase NAME`: the load phase (every phase needs the bundle), then NAME. */
export async function runOne(agent: AgentContext, name: string): Promise<void> {
  const [load, ...rest] = agent.phases;
  if (load) await execute(agent, load);
  const phase = rest.find((candidate) => candidate.name === name);
  if (phase) await runIfNeeded(agent, phase);
}
