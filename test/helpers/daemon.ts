// Daemons the tests start (a registry, containerd) must never outlive the test process,
// even when it dies without running its after-hooks.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

const GONE_LIMIT_MS = 60_000;

export interface Daemon {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone, or warns after a minute and resolves anyway. */
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
      let giveUp: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        giveUp = setTimeout(() => resolve('late'), GONE_LIMIT_MS);
      });
      if ((await Promise.race([exited, late])) === 'late')
        console.warn(
          `  warning: ${command} (pid ${child.pid}) was still running ${GONE_LIMIT_MS / 1000} s after SIGKILL`,
        );
      clearTimeout(killer);
      clearTimeout(giveUp);
    },
  };
}
