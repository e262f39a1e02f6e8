// The moments that decide how soon a joining node is part of the cluster, recorded the
// first time each happens (StateJournal.mark) and shown by `kubeseed-boot status`: when it
// started waiting for the API server, when the server answered, when kubeadm join started.
import type { AgentState } from './state.ts';

export const API_WAIT_STARTED = 'api-wait-started';
export const API_ANSWERED = 'api-answered';
export const JOIN_STARTED = 'join-started';

function secondsBetween(from: string, to: string): string {
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;
}

/** Status lines for the milestones reached so far; none for a node that never waited. */
export function formatMilestones(state: AgentState): string[] {
  const waitStarted = state.milestones?.[API_WAIT_STARTED];
  const answered = state.milestones?.[API_ANSWERED];
  const joinStarted = state.milestones?.[JOIN_STARTED];
  const lines: string[] = [];
  if (answered)
    lines.push(
      `API server answered at ${answered}${waitStarted ? ` (after waiting ${secondsBetween(waitStarted, answered)})` : ''}`,
    );
  else if (waitStarted) lines.push(`waiting for the API server since ${waitStarted}`);
  if (joinStarted)
    lines.push(
      `kubeadm join first started at ${joinStarted}${answered ? ` (${secondsBetween(answered, joinStarted)} after the API server answered)` : ''}`,
    );
  return lines;
}
