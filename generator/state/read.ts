// Reads an existing state directory without changing it: every expected file, which are
// missing, and which secrets others could read.
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Problem } from '../../core/errors.ts';
import { SECRET_FILES, STATE_FILES, type StateFile } from './layout.ts';

export interface StateDirContents {
  files: Partial<Record<StateFile, string>>;
  missing: StateFile[];
  problems: Problem[];
}

export async function readStateDir(dir: string): Promise<StateDirContents> {
  const contents: StateDirContents = { files: {}, missing: [], problems: [] };
  for (const file of STATE_FILES) {
    const path = join(dir, file);
    const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stats) {
      contents.missing.push(file);
      continue;
    }
    // A symlink could point at a file another user controls or can read.
    if (!stats.isFile()) {
      contents.problems.push({ path, message: 'is not a regular file; replace it with the file itself (no symlink)' });
      continue;
    }
    const mode = stats.mode & 0o777;
    if (SECRET_FILES.has(file) && (mode & 0o077) !== 0) {
      contents.problems.push({
        path,
        message: `is a secret but has mode ${mode.toString(8).padStart(4, '0')}; run: chmod 600 ${path}`,
      });
    }
    contents.files[file] = await readFile(path, 'utf8');
  }
  return contents;
}
