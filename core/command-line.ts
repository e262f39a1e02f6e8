// What the kubeseed and kubeseed-boot command lines share, on commander: exit 0 for help
// and version, 1 when the work failed, 2 for bad usage; a usage error is one line (with the
// nearest command or option when there is one, "did you mean generate?") and a pointer to
// --help, never the whole usage; errors never show a stack trace.
import { type Command, CommanderError } from 'commander';
import { KubeseedError } from './errors.ts';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Where a command line writes: the process's streams, or a test's capture. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Optimal string alignment distance: edits, with a swap of neighbours counted as one. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidates `word` most likely meant: those it begins (`gen` → generate), else the
 * closest by a few typing mistakes (`genrate` → generate); none when nothing is close.
 */
export function nearest(word: string, candidates: readonly string[]): string[] {
  const bare = (text: string) => text.replace(/^-+/, '');
  const typed = bare(word);
  if (typed.length >= 2) {
    const prefixed = candidates.filter((candidate) => bare(candidate).startsWith(typed));
    if (prefixed.length > 0) return prefixed;
  }
  let best = Number.POSITIVE_INFINITY;
  let closest: string[] = [];
  for (const candidate of candidates) {
    const distance = editDistance(typed, bare(candidate));
    if (distance > 3 || distance * 2 >= Math.max(typed.length, bare(candidate).length)) continue;
    if (distance < best) [best, closest] = [distance, [candidate]];
    else if (distance === best) closest.push(candidate);
  }
  return closest;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

function helpHint(command: Command): string {
  return `Run '${commandPath(command)} --help' for usage.\n`;
}

/** Adds the nearest match to commander's "unknown command" and "unknown option" errors. */
function withSuggestion(command: Command, line: string): string {
  const unknown = /^error: unknown (command|option) '([^']+)'$/.exec(line);
  if (!unknown) return line;
  const help = command.createHelp();
  const candidates =
    unknown[1] === 'command'
      ? help.visibleCommands(command).map((sub) => sub.name())
      : [...help.visibleOptions(command), ...help.visibleGlobalOptions(command)]
          .map((option) => option.long)
          .filter((long): long is string => long !== undefined);
  const guesses = nearest(unknown[2]!, candidates);
  if (guesses.length === 0) return line;
  return `${line} (did you mean ${guesses.length === 1 ? guesses[0] : `one of ${guesses.join(', ')}`}?)`;
}

function configure(command: Command, output: Output): void {
  command.exitOverride();
  command.showSuggestionAfterError(false);
  command.configureOutput({
    writeOut: (text) => output.out(text),
    writeErr: (text) => output.err(text),
    outputError: (text, write) => write(`${withSuggestion(command, text.trimEnd())}\n${helpHint(command)}`),
  });
  for (const sub of command.commands) configure(sub, output);
}

/**
 * Parses `argv` and runs the chosen command; returns the exit code. `describe` turns an
 * error the command threw into the text after `error: `.
 */
export async function runCommandLine(
  program: Command,
  argv: readonly string[],
  output: Output,
  describe: (error: unknown) => string,
  /** The exit code of a failure that is not a usage error, when it is not EXIT_FAILURE. */
  failureCode: (error: unknown) => number = () => EXIT_FAILURE,
): Promise<number> {
  let active = program;
  program.hook('preAction', (_program, command) => {
    active = command;
  });
  configure(program, output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    const usage = error instanceof KubeseedError && error.code === 'usage';
    output.err(`error: ${describe(error)}\n${usage ? helpHint(active) : ''}`);
    return usage ? EXIT_USAGE : failureCode(error);
  }
}
