// Cleanup never ends a test run: what cannot be removed now (a process that is still
// exiting, a busy cgroup) is tried again a few times, then reported as a warning with its
// path, and the run goes on.
import { rmdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

const TRIES = 10;
const RETRY_DELAY_MS = 200;

function warn(what: string, path: string, error: unknown): void {
  console.warn(`  warning: could not ${what} ${path} (${(error as Error).message}); left in place`);
}

/** `rm -rf path`, retried while files still appear or stay busy in it. */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true, maxRetries: TRIES, retryDelay: RETRY_DELAY_MS });
  } catch (error) {
    warn('remove', path, error);
  }
}

/** The same for synchronous after-hooks. */
export function removeTreeSync(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: TRIES, retryDelay: RETRY_DELAY_MS });
  } catch (error) {
    warn('remove', path, error);
  }
}

/** rmdir, retried while the directory is busy (a cgroup whose last process is still exiting); gone already is fine. */
export async function removeDir(path: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      rmdirSync(path);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (attempt >= TRIES) return warn('remove', path, error);
      await delay(RETRY_DELAY_MS * attempt);
    }
  }
}
