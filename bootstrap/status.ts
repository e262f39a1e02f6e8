// `kubeseed-boot status`: the state file as a table, in phase order. Reads only the state
// file, so it works before, during and after a run, even with a broken bundle.
import { formatMilestones } from './milestones.ts';
import type { Phase } from './phase.ts';
import { redact } from './redact.ts';
import type { AgentState, PhaseRecord } from './state.ts';

function when(record: PhaseRecord): string {
  if (record.status === 'running') return record.startedAt ? `since ${record.startedAt}` : '';
  if (!record.endedAt) return '';
  if (!record.startedAt) return record.endedAt;
  const seconds = (Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000;
  return `${record.endedAt} (${seconds.toFixed(1)} s)`;
}

export function formatStatus(state: AgentState, phases: readonly Phase[]): string {
  const rows = [['PHASE', 'STATE', 'ATTEMPTS', 'TIME', 'LAST ERROR']];
  for (const phase of phases) {
    const record = state.phases[phase.name] ?? { status: 'pending', attempts: 0 };
    const lastError = record.lastError ? redact(record.lastError).replace(/\s*\n\s*/g, ' | ') : '';
    rows.push([phase.name, record.status, String(record.attempts), when(record), lastError]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
  const milestones = formatMilestones(state);
  if (milestones.length > 0) lines.push('', ...milestones);
  const notes = Object.entries(state.notes ?? {}).map(([subject, text]) => `${subject}: ${redact(text)}`);
  if (notes.length > 0) lines.push('', ...notes);
  lines.push('', state.completedAt ? `bootstrapped at ${state.completedAt}` : 'not bootstrapped yet');
  return `${lines.join('\n')}\n`;
}
