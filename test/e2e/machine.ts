// A booted test machine (systemd-nspawn container or qemu VM) as a child process: its
// console goes to a file, a time limit cuts its power, and so does this process exiting
// or being interrupted, so no machine outlives the test run.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface BootResult {
  seconds: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

export interface MachineOptions {
  /** File the machine's console is written to. */
  console: string;
  timeoutMs: number;
  /** Stops the machine at once, as pulling its plug would; must be synchronous. */
  cutPower(child: ChildProcess): void;
}

const running = new Set<Machine>();

function cutAll(): void {
  for (const machine of running) machine.cutPower();
}

process.on('exit', cutAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  // Node runs no exit handlers when a signal ends it: cut the power, then die of the signal.
  process.once(signal, () => {
    cutAll();
    process.kill(process.pid, signal);
  });
}

/** How long a machine whose power was cut may take to be gone (its processes reaped) before cleanup goes on without it. */
const GONE_LIMIT_MS = 60_000;

/**
 * Cuts the power of every machine still running (a test that failed half-way leaves them)
 * and waits until they are gone, so cleanup never removes a disk a machine still writes to.
 */
export async function powerOffAll(): Promise<void> {
  const machines = [...running];
  for (const machine of machines) machine.cutPower();
  await Promise.all(
    machines.map(async (machine) => {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), GONE_LIMIT_MS);
      });
      const gone = await Promise.race([machine.finished.catch(() => undefined), limit]);
      clearTimeout(timer);
      if (gone === 'late')
        console.warn(
          `  warning: a machine (${machine.label}) was still running ${GONE_LIMIT_MS / 1000} s after its power was cut`,
        );
    }),
  );
}

export class Machine {
  readonly finished: Promise<BootResult>;
  private readonly child: ChildProcess;

  constructor(
    command: string,
    args: readonly string[],
    private readonly options: MachineOptions,
  ) {
    const started = performance.now();
    const log = openSync(options.console, 'w');
    this.child = spawn(command, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    running.add(this);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.cutPower();
    }, options.timeoutMs);
    this.finished = new Promise((resolve, reject) => {
      this.child.once('error', (error) => {
        clearTimeout(timer);
        running.delete(this);
        reject(error);
      });
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        running.delete(this);
        resolve({ seconds: (performance.now() - started) / 1000, code, signal, timedOut });
      });
    });
  }

  get label(): string {
    return this.options.console;
  }

  /** The process the machine runs as (systemd-nspawn, qemu), while it runs. */
  get pid(): number | undefined {
    return this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  cutPower(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.options.cutPower(this.child);
  }
}
