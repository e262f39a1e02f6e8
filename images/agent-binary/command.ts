// Runs the external tools the build needs (npm, tar, strip, postject, xz) and turns a
// failure into one error that names the command and carries its output.
import { spawn } from 'node:child_process';
import { KubeseedError } from '../../core/errors.ts';

export interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' ? ' (not installed? see the README build section)' : '';
      reject(new KubeseedError('command-failed', `${command}: ${error.message}${hint}`));
    });
    child.on('close', (code, signal) => {
      const result = { stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() };
      if (code === 0) return resolve(result);
      const output = (result.stderr || result.stdout).trim();
      const status = signal ? `killed by ${signal}` : `exit ${code}`;
      reject(
        new KubeseedError('command-failed', `${[command, ...args].join(' ')}: ${status}${output ? `\n${output}` : ''}`),
      );
    });
  });
}
