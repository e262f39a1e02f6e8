// Writes generated files under the output directory. Each file is written to a temporary
// name and renamed, so a reader never sees half a bundle; modes are set explicitly
// rather than left to the umask.
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { OutputFile } from './outputs.ts';

const DIRECTORY_MODE = 0o700;

export async function writeOutputs(outDir: string, files: readonly OutputFile[]): Promise<void> {
  await mkdir(outDir, { recursive: true, mode: DIRECTORY_MODE });
  for (const file of files) {
    const target = join(outDir, file.path);
    const directory = dirname(target);
    await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
    await chmod(directory, DIRECTORY_MODE);
    const temporary = `${target}.tmp-${process.pid}`;
    await writeFile(temporary, file.content, { mode: file.mode });
    await chmod(temporary, file.mode);
    await rename(temporary, target);
  }
}
