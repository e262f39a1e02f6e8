// Writes generated files under the output directory. Each file is written to a temporary
// name and renamed, so a reader never sees half a bundle; modes are set explicitly
// rather than left to the umask. Synchronous calls: hundreds of small files are written
// faster in sequence than through the thread pool one await at a time.
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputFile } from './outputs.ts';

const DIRECTORY_MODE = 0o700;

export function writeOutputs(outDir: string, files: readonly OutputFile[]): void {
  const directories = new Set([outDir, ...files.map((file) => dirname(join(outDir, file.path)))]);
  for (const directory of directories) {
    mkdirSync(directory, { recursive: true, mode: DIRECTORY_MODE });
    chmodSync(directory, DIRECTORY_MODE);
  }
  for (const file of files) {
    const target = join(outDir, file.path);
    const temporary = `${target}.tmp-${process.pid}`;
    writeFileSync(temporary, file.content, { mode: file.mode });
    chmodSync(temporary, file.mode);
    renameSync(temporary, target);
  }
}
