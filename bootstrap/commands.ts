// Running the machine's tools: every command is logged, and a failure names the command,
// its exit code and the end of its stderr (redacted by the logger and the journal).
import { KubeseedError } from '../core/errors.ts';
import type { CommandOptions, CommandResult } from './host.ts';
import type { PhaseContext } from './phase.ts';
import { redact } from './redact.ts';

/** Redacted before it is cut: a cut could leave key material without the PEM markers that identify it. */
function stderrTail(result: CommandResult, lines = 6): string {
  const text = redact(result.stderr.trim() || result.stdout.trim())
    .split('\n')
    .filter((line) => line.trim() !== '');
  return text.slice(-lines).join('\n');
}

export function describeFailure(argv: readonly string[], result: CommandResult): string {
  const how = result.timedOut ? 'timed out' : result.code === 127 ? 'was not found' : `exited with code ${result.code}`;
  const tail = stderrTail(result);
  return `\`${argv.join(' ')}\` ${how}${tail ? `: ${tail}` : ''}`;
}

export async function runCommand(
  ctx: PhaseContext,
  argv: readonly string[],
  options?: CommandOptions,
): Promise<CommandResult> {
  ctx.log.info(`running ${argv.join(' ')}`);
  return ctx.host.run(argv, options);
}

/** Runs a command that must succeed. */
export async function mustRun(
  ctx: PhaseContext,
  argv: readonly string[],
  options?: CommandOptions,
): Promise<CommandResult> {
  const result = await runCommand(ctx, argv, options);
  if (result.code !== 0) throw new KubeseedError('command-failed', describeFailure(argv, result));
  return result;
}
