// Makes many files written without fsync durable at once: one syncfs(2) per file system
// they are on (`sync -f`, in GNU coreutils and busybox) rather than an fsync per file, each
// of which costs a journal commit on a slow disk. Where `sync -f` is missing (macOS, a
// minimal image) each file and then each directory is fsynced instead.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';

const CONCURRENT_SYNCS = 16;

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncEach(paths: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < paths.length) await fsync(paths[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_SYNCS, paths.length) }, worker));
}

/**
 * Everything written so far on the file systems of `roots` reaches the disk. Without
 * `sync -f`, `fallback` says what to fsync one by one: files first, then directories
 * (by default, the roots themselves).
 */
export async function syncFileSystems(
  roots: readonly string[],
  fallback: { files?: readonly string[]; directories?: readonly string[] } = {},
): Promise<void> {
  const byDevice = new Map<number, string>();
  for (const root of roots) {
    const { dev } = statSync(root);
    if (!byDevice.has(dev)) byDevice.set(dev, root);
  }
  if (byDevice.size === 0) return;
  const synced = spawnSync('sync', ['-f', ...byDevice.values()], { stdio: 'ignore' });
  if (synced.status === 0) return;
  await fsyncEach(fallback.files ?? []);
  await fsyncEach(fallback.directories ?? roots);
}
