// What every phase works with: the Host, the validated bundle, its own log and the state
// journal. The bundle exists only after the load phase; using it earlier is a bug.
import type { NodeBundle } from '../core/node-bundle.ts';
import { KubeseedError } from '../core/errors.ts';
import type { Host } from './host.ts';
import type { Logger, PhaseLog } from './log.ts';
import type { Phase } from './phase.ts';
import type { StateJournal } from './state.ts';

export class AgentContext {
  private loadedBundle: NodeBundle | undefined;

  constructor(
    readonly host: Host,
    readonly bundlePath: string,
    readonly logger: Logger,
    readonly journal: StateJournal,
    readonly phases: readonly Phase[],
  ) {}

  get bundle(): NodeBundle {
    if (!this.loadedBundle)
      throw new KubeseedError('invalid-bundle', 'internal error: a phase used the bundle before the load phase');
    return this.loadedBundle;
  }

  /** A valid bundle is what allows the agent to write anything at all, its own records included. */
  async useBundle(bundle: NodeBundle): Promise<void> {
    this.loadedBundle = bundle;
    this.logger.startRecording();
    await this.journal.startRecording();
  }

  forPhase(name: string): PhaseContext {
    return new PhaseContext(this, name);
  }
}

export class PhaseContext {
  readonly log: PhaseLog;

  constructor(
    readonly agent: AgentContext,
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

  /** Records a failed try before the next one, so `status` shows why a phase is still running. */
  async retrying(error: string): Promise<void> {
    await this.agent.journal.retry(this.phase, error);
  }
}
