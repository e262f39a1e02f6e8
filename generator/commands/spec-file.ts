// Reading cluster.yaml for `validate` and `generate`: problems are reported as
// FILE:LINE:COLUMN, and warnings go to stderr before the result.
import { readFile } from 'node:fs/promises';
import { formatProblem, KubeseedError } from '../../core/errors.ts';
import { loadSpec } from '../spec/load.ts';
import type { ClusterSpec } from '../spec/types.ts';
import type { CliIo } from './io.ts';

export async function readSpecFile(file: string, io: CliIo): Promise<ClusterSpec> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new KubeseedError('io', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  try {
    const { spec, warnings } = await loadSpec(text, file);
    for (const warning of warnings) io.stderr.write(`${formatProblem(warning)}\n`);
    return spec;
  } catch (error) {
    if (error instanceof KubeseedError)
      throw new KubeseedError(error.code, `${file}: ${error.message}`, error.problems);
    throw error;
  }
}
