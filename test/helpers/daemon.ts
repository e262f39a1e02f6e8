// Daemons the tests start (a registry, containerd) must never outlive the test process,
// even when it dies without running its after-hooks.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface Daemon {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

export function startDaemon(command: string, args: readonly string[], options: SpawnOptions): Daemon {
  const child = spawn(command, args, options);
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  return {
    child,
    async stop() {
      process.off('exit', orphanGuard);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
