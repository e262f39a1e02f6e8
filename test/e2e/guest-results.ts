// Reads what a test machine's collector (test/e2e/guest/collect) left in its /out, and the
// stand-ins' records (test/stand-ins/lib.sh: `commands`, calls/NNNN-NAME/{argv,…}).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BootResult } from './machine.ts';

export interface JournalEntry {
  MESSAGE?: string;
  /** Wall-clock microseconds since the epoch, as a decimal string. */
  __REALTIME_TIMESTAMP?: string;
  MESSAGE_ID?: string;
  UNIT?: string;
  SYSLOG_IDENTIFIER?: string;
  _PID?: string;
}

export interface StandinCall {
  name: string;
  argv: string[];
  dir: string;
}

/** systemd's journal messages for a start job: begun ("Starting …"), and completed ("Started …", "Reached target …"). */
export const UNIT_STARTING = '7d4958e842da4a758f6c1cdc7b36dcc5';
export const UNIT_STARTED = '39f53479d3a045ac8e11786248231fbf';

/** The stand-ins' records under `dir` (the guest's /var/log/kubeseed-standins or its copy). */
export class StandinLog {
  constructor(readonly dir: string) {}

  /** One line per call: `NAME ARG…`. */
  commands(): string[] {
    const file = join(this.dir, 'commands');
    return existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n') : [];
  }

  calls(name: string): StandinCall[] {
    const calls = join(this.dir, 'calls');
    if (!existsSync(calls)) return [];
    return readdirSync(calls)
      .sort()
      .filter((entry) => entry.endsWith(`-${name}`))
      .map((entry) => {
        const dir = join(calls, entry);
        return { name, dir, argv: readFileSync(join(dir, 'argv'), 'utf8').trimEnd().split('\n') };
      });
  }

  /** kubeadm init/join calls, in order. */
  kubeadmRuns(): StandinCall[] {
    return this.calls('kubeadm').filter((call) => call.argv[0] === 'init' || call.argv[0] === 'join');
  }
}

export class GuestResults {
  readonly standins: StandinLog;

  constructor(readonly dir: string) {
    this.standins = new StandinLog(join(dir, 'standins'));
  }

  /** The collector finished: everything below was copied. */
  get collected(): boolean {
    return existsSync(join(this.dir, 'collected'));
  }

  text(name: string): string {
    const file = join(this.dir, name);
    if (!existsSync(file)) throw new Error(`the machine left no ${name} in ${this.dir}`);
    return readFileSync(file, 'utf8');
  }

  failedUnits(): string[] {
    return this.text('failed-units.txt')
      .split('\n')
      .filter((line) => line.trim() !== '');
  }

  /** `systemctl show` properties of one of the units the collector lists. */
  unit(id: string): Record<string, string> {
    for (const block of this.text('units.txt').split(/\n\n+/)) {
      const properties = Object.fromEntries(
        block
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      if (properties.Id === id) return properties;
    }
    throw new Error(`units.txt has no ${id}`);
  }

  journal(): JournalEntry[] {
    return this.text('journal.json')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as JournalEntry);
  }

  /**
   * Where systemd (PID 1) first logged `messageId` for `unit`, counted in its own messages.
   * Their order is the order PID 1 acted in; journald's timestamps are taken on receipt and
   * can put "Started A" after "Starting B" although A came first.
   */
  pid1Step(messageId: string, unit: string): number {
    const step = this.journal()
      .filter((entry) => entry._PID === '1')
      .findIndex((entry) => entry.MESSAGE_ID === messageId && entry.UNIT === unit);
    if (step < 0)
      throw new Error(`systemd logged no ${messageId === UNIT_STARTING ? 'start' : 'started'} message for ${unit}`);
    return step;
  }

  /** Phase name → status from the agent's state file. */
  phases(): Record<string, string> {
    const state = JSON.parse(this.text('state.json')) as { phases: Record<string, { status: string }> };
    return Object.fromEntries(Object.entries(state.phases).map(([name, record]) => [name, record.status]));
  }

  /**
   * The phases of an init node that finished whose status is not the expected one: every
   * phase done, but kube-vip skipped, as the e2e clusters have no VIP.
   */
  phasesNotDone(): string[] {
    return Object.entries(this.phases())
      .filter(([name, status]) => status !== (name === 'kube-vip' ? 'skipped' : 'done'))
      .map(([name, status]) => `${name}: ${status}`);
  }
}

/** The results of a finished boot, or why there are none; prints how long the boot took. */
export function collectedResults(label: string, out: string, boot: BootResult): GuestResults {
  console.log(`  ${label}: booted to results in ${boot.seconds.toFixed(1)} s`);
  const results = new GuestResults(out);
  if (!results.collected) {
    const how = boot.timedOut ? 'timed out' : `the machine exited ${boot.code ?? boot.signal}`;
    throw new Error(`${label}: no results (${how}); see ${join(out, 'console.log')}`);
  }
  return results;
}
