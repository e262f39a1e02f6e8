// Writing a file so that a reader, a crash or a power cut finds the old content or the new,
// never a mix: the data goes to a temporary file beside the target, is fsynced, renamed over
// the target, and the directory is fsynced so that the rename itself survives a power cut
// (rename(2) is atomic, but only durable once the directory entry is on disk).
import { closeSync, constants, fchmodSync, openSync, rmSync, writeFileSync as writeFileDescriptorSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type FileData = string | Uint8Array | AsyncIterable<Uint8Array>;

export interface AtomicWriteOptions {
  /**
   * Permission bits, set explicitly whatever the umask. Leave it out only on file systems
   * without Unix modes (a FAT boot partition), where the mount options decide.
   */
  mode?: number;
}

// O_NOFOLLOW: a symlink planted at the temporary name must not redirect the write.
const TEMPORARY_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/**
 * Where `path` is written before the rename. Fixed rather than unique: a crash (the agent's
 * normal life on a machine whose power is cut) leaves at most one per file, and the next
 * write of the same file reuses and removes it. So one writer per path at a time.
 */
export function temporaryPath(path: string): string {
  return `${path}.kubeseed-tmp`;
}

/**
 * The first half of an atomic write, for a caller that writes many files, makes them
 * durable together (sync-file-system.ts) and only then renames each over its target: the
 * data in `temporaryPath(path)`, with exactly `mode`, not yet fsynced. Returns that path;
 * if it throws, no temporary file of its making is left.
 */
export function writeTemporarySync(path: string, data: string | Uint8Array, mode: number): string {
  const temporary = temporaryPath(path);
  const descriptor = openSync(temporary, TEMPORARY_FLAGS, mode);
  try {
    fchmodSync(descriptor, mode);
    writeFileDescriptorSync(descriptor, data);
  } catch (error) {
    closeSync(descriptor);
    rmSync(temporary, { force: true });
    throw error;
  }
  closeSync(descriptor);
  return temporary;
}

export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Puts a finished file (one a tool wrote, or a download) in place under `path`: its
 * contents fsynced, renamed, the directory fsynced.
 */
export async function renameDurably(from: string, path: string): Promise<void> {
  const handle = await open(from, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(from, path);
  await syncDirectory(dirname(path));
}

/** Replaces `path` with `data` atomically and durably; on failure `path` is untouched and no temporary file stays. */
export async function atomicWrite(path: string, data: FileData, options: AtomicWriteOptions = {}): Promise<void> {
  const temporary = temporaryPath(path);
  try {
    const handle = await open(temporary, TEMPORARY_FLAGS, options.mode ?? 0o666);
    try {
      // A temporary file left by a crash keeps its old mode; a fresh one lost bits to the umask.
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await writeFile(handle, data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}
