// The data every phase of one run shares (kubeadm's RunData): the Host, the validated
// bundle, the logger and the state journal. It exists only once the bundle is loaded
// (load-bundle.ts), so no phase can reach a bundle that is not there.
import type { NodeBundle } from '../core/node-bundle.ts';
import type { Host } from './host.ts';
import type { Logger, PhaseLog } from './log.ts';
import type { Phase, PhaseContext } from './phase.ts';
import type { PhaseStatus, StateJournal } from './state.ts';

export class AgentContext {
  constructor(
    readonly host: Host,
    readonly bundle: NodeBundle,
    readonly bundlePath: string,
    readonly logger: Logger,
    readonly journal: StateJournal,
    readonly phases: readonly Phase[],
  ) {}

  forPhase(name: string): PhaseContext {
    return new PhaseRun(this, name);
  }
}

class PhaseRun implements PhaseContext {
  readonly log: PhaseLog;

  constructor(
    private readonly agent: AgentContext,
    readonly phase: string,
  ) {
    this.log = agent.logger.for(phase);
  }

  get host(): Host {
    return this.agent.host;
  }

  get bundle(): NodeBundle {
    return this.agent.bundle;
  }

  get bundlePath(): string {
    return this.agent.bundlePath;
  }

  get completedAt(): string | undefined {
    return this.agent.journal.state.completedAt;
  }

  status(phase: string): PhaseStatus {
    return this.agent.journal.record(phase).status;
  }

  progress(): { name: string; status: PhaseStatus }[] {
    return this.agent.phases.map((phase) => ({ name: phase.name, status: this.status(phase.name) }));
  }

  async retrying(error: string): Promise<void> {
    await this.agent.journal.retry(this.phase, error);
  }

  async mark(milestones: Record<string, Date>): Promise<void> {
    await this.agent.journal.mark(milestones);
  }

  async recordCompleted(): Promise<string> {
    await this.agent.journal.complete();
    return this.agent.journal.state.completedAt!;
  }

  async note(subject: string, text: string): Promise<void> {
    await this.agent.journal.note(subject, text);
  }
}
