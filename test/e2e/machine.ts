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

  cutPower(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.options.cutPower(this.child);
  }
}
