// A phase is a plain value, after kubeadm's phase workflow: `run`, `status` and
// `phase NAME` all walk the same ordered list (phases.ts).
import type { PhaseContext } from './context.ts';

export interface Phase {
  name: string;
  summary: string;
  /** kubeadm's RunIf: a phase that does not apply to this node's role is skipped. */
  runIf?(ctx: PhaseContext): boolean;
  run(ctx: PhaseContext): Promise<void>;
  /** Whether the phase's effects are in place; a phase recorded done is rerun when they are not. */
  isDone(ctx: PhaseContext): Promise<boolean>;
}
