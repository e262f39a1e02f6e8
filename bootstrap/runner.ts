// Walks the phase list, after kubeadm's workflow runner (cmd/kubeadm/app/cmd/phases/
// workflow/runner.go): the phases to run are worked out first (an unknown name is an
// error before anything happens), then the data initializer loads the bundle, then each
// phase runs in order. A phase recorded done whose effects are still in place is skipped;
// one that was running when the agent died is simply run again (every phase is safe to
// rerun); success is recorded only after `run` returned.
import { formatError, KubeseedError } from '../core/errors.ts';
import type { AgentContext } from './context.ts';
import type { Phase } from './phase.ts';
import { redact } from './redact.ts';

export interface RunOptions {
  /** Run this phase only (`kubeseed-boot phase NAME`). */
  only?: string;
  /** Phases not to run (`--skip-phases`); recorded as skipped. */
  skip?: readonly string[];
  /** Run even a phase whose effects are in place (`phase NAME --force`). */
  force?: boolean;
}

function errorText(error: unknown): string {
  if (error instanceof KubeseedError) return formatError(error);
  return `internal error: ${(error as Error)?.stack ?? String(error)}`;
}

function seconds(from: Date, to: Date): string {
  return `${((to.getTime() - from.getTime()) / 1000).toFixed(1)} s`;
}

export class Runner {
  constructor(
    readonly phases: readonly Phase[],
    /** Makes the data every phase shares; runs once, after the phase names are checked. */
    private readonly initData: () => Promise<AgentContext>,
  ) {}

  /** The phase called `name`, or a usage error listing the phases there are. */
  private phase(name: string): Phase {
    const phase = this.phases.find((candidate) => candidate.name === name);
    if (!phase) {
      throw new KubeseedError(
        'usage',
        `unknown phase ${JSON.stringify(name)}; the phases are: ${this.phases.map((candidate) => candidate.name).join(', ')}`,
      );
    }
    return phase;
  }

  async run(options: RunOptions = {}): Promise<void> {
    const skip = new Set((options.skip ?? []).map((name) => this.phase(name).name));
    const phases = options.only === undefined ? this.phases : [this.phase(options.only)];
    const agent = await this.initData();
    for (const phase of phases) {
      if (skip.has(phase.name)) await skipOnRequest(agent, phase);
      else await runIfNeeded(agent, phase, options.force ?? false);
    }
  }
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

/** A phase done before stays recorded done: skipping it now undoes nothing. */
async function skipOnRequest(agent: AgentContext, phase: Phase): Promise<void> {
  if (agent.journal.record(phase.name).status !== 'done') await agent.journal.skip(phase.name);
  agent.logger.for(phase.name).info('skipped: --skip-phases');
}

/** Runs a phase unless it does not apply to this node or is done already (and not forced). */
async function runIfNeeded(agent: AgentContext, phase: Phase, force: boolean): Promise<void> {
  const ctx = agent.forPhase(phase.name);
  if (phase.runIf && !phase.runIf(ctx)) {
    await agent.journal.skip(phase.name);
    ctx.log.info(`skipped: ${phase.skipReason?.(ctx) ?? `does not apply to a ${agent.bundle.node.role} node`}`);
    return;
  }
  const record = agent.journal.record(phase.name);
  if (record.status === 'done') {
    if (force) {
      ctx.log.info('done before; running it again (--force)');
    } else if (await phase.isDone(ctx)) {
      ctx.log.info('already done');
      return;
    } else {
      ctx.log.warn('recorded as done but its effects are not in place; running it again');
    }
  } else if (record.status === 'running') {
    ctx.log.warn('was interrupted; running it again');
  }
  await execute(agent, phase);
}
