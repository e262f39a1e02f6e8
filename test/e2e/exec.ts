// Runs a host tool for the e2e suite with a time limit; a failure names the command and
// carries the end of its output.
import { execFile } from 'node:child_process';

export interface ExecOptions {
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function exec(command: string, args: readonly string[], options: ExecOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 256 * 1024 * 1024,
        cwd: options.cwd,
        env: options.env ?? process.env,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const how = error.killed
          ? `was killed after ${options.timeoutMs / 1000} s`
          : `failed (${error.code ?? error.signal})`;
        reject(new Error(`${[command, ...args].join(' ')} ${how}:\n${tail(`${stdout}\n${stderr}`)}`));
      },
    );
  });
}
