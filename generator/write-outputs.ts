// Writes generated files under the output directory, each atomically and durably
// (core/atomic-write.ts): a reader never sees half a bundle, and modes are set explicitly
// rather than left to the umask. Several at a time: a disk finishes many fsyncs together
// faster than one after another; and each directory is fsynced once, after its last file.
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { atomicWrite, syncDirectory } from '../core/atomic-write.ts';
import type { OutputFile } from './outputs.ts';

const DIRECTORY_MODE = 0o700;
const CONCURRENT_WRITES = 16;

export async function writeOutputs(outDir: string, files: readonly OutputFile[]): Promise<void> {
  const directories = new Set([outDir, ...files.map((file) => dirname(join(outDir, file.path)))]);
  for (const directory of directories) {
    await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
    await chmod(directory, DIRECTORY_MODE);
  }
  let next = 0;
  const writer = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      await atomicWrite(join(outDir, file.path), file.content, { mode: file.mode, deferDirectorySync: true });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_WRITES, files.length) }, writer));
  await Promise.all([...directories].map((directory) => syncDirectory(directory)));
}
