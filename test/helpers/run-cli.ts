// Runs the kubeseed CLI as bin/kubeseed.js does, in this process: main(argv, io) with its
// output captured and its exit code returned. One process per call would cost a Node and
// tsx start-up each and test nothing more: bin/kubeseed.js only calls main.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { main } from '../../generator/cli.ts';

const SOURCE_ENTRY = fileURLToPath(new URL('../../generator/main.ts', import.meta.url));
// Resolved here so the CLI can run from any working directory.
const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** The same in a process of its own, for callers that cannot wait for a promise. */
export function runCliProcess(args: string[]): CliResult {
  const result = spawnSync(process.execPath, ['--import', TSX, SOURCE_ENTRY, ...args], { encoding: 'utf8' });
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `kubeseed ARGS`, which must succeed; returns what it printed. */
export async function runCliOk(args: string[]): Promise<CliResult> {
  const result = await runCli(args);
  assert.is(result.code, 0, `kubeseed ${args.join(' ')}: ${result.stderr}`);
  return result;
}

/** Runs `kubeseed ARGS`, which must exit `code` (2 bad usage, 1 anything else) with an error matching `message`. */
export async function runCliRefused(args: string[], code: 1 | 2, message: RegExp): Promise<CliResult> {
  const result = await runCli(args);
  assert.is(result.code, code, `kubeseed ${args.join(' ')}: ${result.stderr}`);
  assert.match(result.stderr, /^error: /);
  assert.match(result.stderr, message);
  assert.not.match(result.stderr, / {4}at /, 'no stack trace');
  return result;
}
