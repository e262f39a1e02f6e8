// Progress survives a crash or a reboot: /var/lib/kubeseed/state.json is rewritten
// atomically after every change, so it always holds one complete, consistent record.
// Nothing is written before recording starts (a valid bundle).
import { KubeseedError } from '../core/errors.ts';
import { isRecord } from '../core/schema.ts';
import type { Host } from './host.ts';
import { STATE_PATH } from './paths.ts';
import { redact } from './redact.ts';

export const PHASE_STATUSES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

export interface PhaseRecord {
  status: PhaseStatus;
  startedAt?: string;
  endedAt?: string;
  /** Tries of the phase's work, counting retries inside the phase. */
  attempts: number;
  lastError?: string;
}

export interface AgentState {
  version: 1;
  phases: Record<string, PhaseRecord>;
  /** When moments that decide how fast the node joins first happened (milestones.ts). */
  milestones?: Record<string, string>;
  completedAt?: string;
  /** What `status` says besides the phases: where a file went and why, by subject. */
  notes?: Record<string, string>;
}

function emptyState(): AgentState {
  return { version: 1, phases: {} };
}

function checkState(value: unknown): AgentState {
  const valid =
    isRecord(value) &&
    value.version === 1 &&
    isRecord(value.phases) &&
    Object.values(value.phases).every(
      (record) =>
        isRecord(record) &&
        (PHASE_STATUSES as readonly unknown[]).includes(record.status) &&
        typeof record.attempts === 'number',
    ) &&
    (value.milestones === undefined ||
      (isRecord(value.milestones) && Object.values(value.milestones).every((time) => typeof time === 'string'))) &&
    (value.notes === undefined ||
      (isRecord(value.notes) && Object.values(value.notes).every((note) => typeof note === 'string')));
  if (!valid) throw new Error('unexpected content');
  return value as unknown as AgentState;
}

export async function readState(host: Host): Promise<AgentState> {
  const text = await host.readFile(STATE_PATH);
  if (text === undefined) return emptyState();
  try {
    return checkState(JSON.parse(text));
  } catch (error) {
    throw new KubeseedError(
      'invalid-state',
      `${STATE_PATH} is unreadable (${(error as Error).message}); run \`kubeseed-boot reset\` to start over`,
    );
  }
}

export class StateJournal {
  private recording = false;

  private constructor(
    private readonly host: Host,
    readonly state: AgentState,
  ) {}

  static async open(host: Host): Promise<StateJournal> {
    return new StateJournal(host, await readState(host));
  }

  record(phase: string): PhaseRecord {
    return this.state.phases[phase] ?? { status: 'pending', attempts: 0 };
  }

  async startRecording(): Promise<void> {
    this.recording = true;
    await this.save();
  }

  async begin(phase: string): Promise<void> {
    const previous = this.record(phase);
    this.state.phases[phase] = {
      status: 'running',
      startedAt: this.host.now().toISOString(),
      attempts: previous.attempts + 1,
      ...(previous.lastError === undefined ? {} : { lastError: previous.lastError }),
    };
    await this.save();
  }

  /** A retrying phase failed one try and starts the next. */
  async retry(phase: string, error: string): Promise<void> {
    const record = this.record(phase);
    this.state.phases[phase] = { ...record, attempts: record.attempts + 1, lastError: redact(error) };
    await this.save();
  }

  async succeed(phase: string): Promise<void> {
    this.state.phases[phase] = { ...this.record(phase), status: 'done', endedAt: this.host.now().toISOString() };
    await this.save();
  }

  async fail(phase: string, error: string): Promise<void> {
    this.state.phases[phase] = {
      ...this.record(phase),
      status: 'failed',
      endedAt: this.host.now().toISOString(),
      lastError: redact(error),
    };
    await this.save();
  }

  async skip(phase: string): Promise<void> {
    if (this.record(phase).status === 'skipped') return;
    this.state.phases[phase] = { status: 'skipped', attempts: 0, endedAt: this.host.now().toISOString() };
    await this.save();
  }

  /**
   * Records when milestones first happened; one already recorded keeps its time. One write
   * for all of them: a join waits for it.
   */
  async mark(milestones: Record<string, Date>): Promise<void> {
    const fresh = Object.entries(milestones).filter(([name]) => this.state.milestones?.[name] === undefined);
    if (fresh.length === 0) return;
    this.state.milestones = {
      ...this.state.milestones,
      ...Object.fromEntries(fresh.map(([name, time]) => [name, time.toISOString()])),
    };
    await this.save();
  }

  async note(subject: string, text: string): Promise<void> {
    this.state.notes = { ...this.state.notes, [subject]: text };
    await this.save();
  }

  async complete(): Promise<void> {
    this.state.completedAt = this.host.now().toISOString();
    await this.save();
  }

  private async save(): Promise<void> {
    if (!this.recording) return;
    await this.host.writeFile(STATE_PATH, `${JSON.stringify(this.state, null, 2)}\n`, 0o600);
  }
}
