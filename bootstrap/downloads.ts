// Downloads of what a stock image needs (a repository key, containerd's release files), retried
// until the network delivers them. A file that arrives but does not match its pinned digest is
// removed and ends the phase: a wrong file does not become right by fetching it again.
import { KubeseedError } from '../core/errors.ts';
import type { PhaseContext } from './phase.ts';
import { retrying } from './retrying.ts';

const IDLE_TIMEOUT_MS = 60_000;

export interface PinnedFile {
  url: string;
  /** Hex SHA-256 the file must have. */
  sha256: string;
  /** What the log and errors call it, e.g. `containerd 2.1.9 (amd64)`. */
  what: string;
}

/** Fetches `url` into `path` once the network delivers it; the caller checks what it got. */
export async function downloadRetrying(ctx: PhaseContext, url: string, path: string, mode: number): Promise<void> {
  await retrying(ctx, async () => {
    ctx.log.info(`downloading ${url}`);
    const result = await ctx.host.download(url, path, { mode, idleTimeoutMs: IDLE_TIMEOUT_MS });
    return result.ok ? { done: true, value: undefined } : { done: false, reason: `download failed: ${result.reason}` };
  });
}

/** Fetches a file whose digest is pinned; on a mismatch nothing is left at `path`. */
export async function downloadPinned(ctx: PhaseContext, file: PinnedFile, path: string, mode: number): Promise<void> {
  const sha256 = await retrying(ctx, async () => {
    ctx.log.info(`downloading ${file.what} from ${file.url}`);
    const result = await ctx.host.download(file.url, path, { mode, idleTimeoutMs: IDLE_TIMEOUT_MS });
    return result.ok
      ? { done: true, value: result.sha256 }
      : { done: false, reason: `download of ${file.what} failed: ${result.reason}` };
  });
  if (sha256 !== file.sha256) {
    await ctx.host.remove(path);
    throw new KubeseedError(
      'integrity',
      `${file.url} has sha256 ${sha256}, not the pinned ${file.sha256}: ${file.what} was not installed`,
    );
  }
  ctx.log.info(`${file.what}: sha256 ${sha256} is the pinned one`);
}
