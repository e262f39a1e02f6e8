// Writes generated files under the output directory: all of them or none, each atomically,
// with its mode set explicitly rather than left to the umask. Every file goes to a
// temporary beside its target first; once all are written, one flush per file system
// makes them durable together (core/sync-file-system.ts), then each is renamed over its
// target and a second flush makes the renames durable. A reader never sees half a file, a
// failure before the renames leaves the outputs as they were, and a fleet of 20,000 files
// pays for two flushes instead of an fsync each.
import { chmodSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeTemporarySync } from '../core/atomic-write.ts';
import { syncFileSystems } from '../core/sync-file-system.ts';
import type { OutputFile } from './outputs.ts';

const DIRECTORY_MODE = 0o700;

export async function writeOutputs(outDir: string, files: readonly OutputFile[]): Promise<void> {
  const directories = [...new Set([outDir, ...files.map((file) => dirname(join(outDir, file.path)))])];
  for (const directory of directories) {
    mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
    chmodSync(directory, DIRECTORY_MODE);
  }
  const written: { temporary: string; target: string }[] = [];
  try {
    for (const file of files) {
      const target = join(outDir, file.path);
      written.push({ temporary: writeTemporarySync(target, file.content, file.mode), target });
    }
    await syncFileSystems(
      directories,
      written.map(({ temporary }) => temporary),
    );
  } catch (error) {
    for (const { temporary } of written) rmSync(temporary, { force: true });
    throw error;
  }
  for (const { temporary, target } of written) renameSync(temporary, target);
  await syncFileSystems(directories);
}
