// A phase is a plain value, after kubeadm's phase workflow (cmd/kubeadm/app/cmd/phases/
// workflow/phase.go): `run`, `status` and `phase NAME` all walk the same ordered list
// (phases.ts). What a phase works with is its PhaseContext, kubeadm's RunData: made by the
// runner once the bundle is loaded and valid, so every phase has one.
import type { NodeBundle } from '../core/node-bundle.ts';
import type { Host } from './host.ts';
import type { PhaseLog } from './log.ts';
import type { PhaseStatus } from './state.ts';

export interface PhaseContext {
  /** The phase this context belongs to. */
  readonly phase: string;
  readonly host: Host;
  /** The node bundle, validated whole before any phase ran. */
  readonly bundle: NodeBundle;
  /** Where the bundle was read from (--bundle): the finish phase rewrites it scrubbed. */
  readonly bundlePath: string;
  readonly log: PhaseLog;
  /** The recorded status of `phase` (any phase of the workflow). */
  status(phase: string): PhaseStatus;
  /** Every phase of the workflow in order, with its recorded status. */
  progress(): { name: string; status: PhaseStatus }[];
  /** Records a failed try before the next one, so `status` shows why a phase is still running. */
  retrying(error: string): Promise<void>;
  /** Records when milestones first happened (milestones.ts), for `status`; one already recorded keeps its time. */
  mark(milestones: Record<string, Date>): Promise<void>;
  /** When the node was recorded bootstrapped, if it was. */
  readonly completedAt: string | undefined;
  /** Records the node as bootstrapped; returns the time recorded. */
  recordCompleted(): Promise<string>;
  /** A line `status` prints under the phases, replacing an earlier note on the same subject. */
  note(subject: string, text: string): Promise<void>;
}

export interface Phase {
  name: string;
  summary: string;
  /** kubeadm's RunIf: a phase that does not apply to this node's role is skipped. */
  runIf?(ctx: PhaseContext): boolean;
  /** Why runIf said no, for the log, when it is not the node's role. */
  skipReason?(ctx: PhaseContext): string;
  run(ctx: PhaseContext): Promise<void>;
  /** Whether the phase's effects are in place; a phase recorded done is rerun when they are not. */
  isDone(ctx: PhaseContext): Promise<boolean>;
}
