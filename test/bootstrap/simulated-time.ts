// Virtual time for running many real agents in one process: the agents' clock and sleeps
// come from here, everything else (files under their roots, stand-in executables, TCP and
// TLS on loopback) is real. Time stands still while any agent does real work and jumps to
// the next wake-up once all of them sleep, so minutes of waiting take milliseconds and the
// figures measure the agent's timing policy, not this machine's CPU.

import type { CommandOptions, CommandResult } from '../../bootstrap/host.ts';
import { NodeHost } from '../../bootstrap/node-host.ts';
import type { Fixture } from './helpers.ts';

interface Timer {
  at: number;
  seq: number;
  wake: () => void;
}

export class SimulatedTime {
  private nowMs: number;
  private readonly timers: Timer[] = [];
  private flows = 0;
  private sleepers = 0;
  private seq = 0;
  private checkQueued = false;

  constructor(startMs = Date.now()) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  /** Runs `work` as one flow of control; time advances only when every flow sleeps. */
  async flow<T>(work: () => Promise<T>): Promise<T> {
    this.flows += 1;
    try {
      return await work();
    } finally {
      this.flows -= 1;
      this.queueCheck();
    }
  }

  sleep(ms: number): Promise<void> {
    if (this.flows === 0) throw new Error('SimulatedTime.sleep outside a flow: run the work with flow()');
    return new Promise((wake) => {
      const timer = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, wake };
      // Ordered by time, then by arrival: the same run always wakes flows in the same order.
      let index = this.timers.length;
      while (index > 0 && this.timers[index - 1]!.at > timer.at) index -= 1;
      this.timers.splice(index, 0, timer);
      this.sleepers += 1;
      this.queueCheck();
    });
  }

  /** After pending I/O callbacks have run: a flow that only seems idle may be about to resume. */
  private queueCheck(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      if (this.sleepers === 0 || this.sleepers !== this.flows) return;
      const timer = this.timers.shift()!;
      this.nowMs = timer.at;
      this.sleepers -= 1;
      timer.wake();
      this.queueCheck();
    });
  }
}

/**
 * The real Host on a fixture's root, with the clock and sleep of a SimulatedTime and the
 * production retry base (1 s). Records, in virtual time, every TCP connection attempt the
 * agent makes and every `kubeadm join` it starts.
 */
export class SimulatedHost extends NodeHost {
  readonly connectAttempts: number[] = [];
  readonly joinCalls: number[] = [];
  readonly printed: string[] = [];

  constructor(
    fixture: Fixture,
    private readonly time: SimulatedTime,
    retryBaseDelayMs = 1000,
  ) {
    super({ root: fixture.root, env: fixture.env, retryBaseDelayMs });
  }

  override now(): Date {
    return new Date(this.time.now());
  }

  override sleep(ms: number): Promise<void> {
    return this.time.sleep(ms);
  }

  override print(_stream: 'stdout' | 'stderr', text: string): void {
    this.printed.push(text);
  }

  override run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    if (argv[0] === 'kubeadm' && argv[1] === 'join') this.joinCalls.push(this.time.now());
    return super.run(argv, options);
  }

  override tcpConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
    this.connectAttempts.push(this.time.now());
    return super.tcpConnect(host, port, timeoutMs);
  }

  get output(): string {
    return this.printed.join('');
  }
}
