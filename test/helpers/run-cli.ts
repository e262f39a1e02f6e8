// Runs the kubeseed CLI as a user would: a separate process, its exit code and output.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../generator/cli.ts', import.meta.url));
// Resolved here so the CLI can run from any working directory.
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd?: string): CliResult {
  const result = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    encoding: 'utf8',
    ...(cwd ? { cwd } : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
