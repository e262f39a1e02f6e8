// A YAML document read and checked: the fast reader first (yaml-fast-read.ts), and the
// `yaml` library, with the positions every message needs, only when there is something to
// say — a syntax error, a problem, a warning — or the fast reader declined. A valid
// document never loads the `yaml` library; every message keeps its `file:line:col:`,
// since the check runs again on the `yaml` library's reading, which is the same value.
import type { Problem } from './errors.ts';
import { ProblemSink } from './schema.ts';
import { readYamlFast } from './yaml-fast-read.ts';

export type CheckedYaml<T> =
  | { result: T; sink: ProblemSink; syntaxProblems?: never }
  | { syntaxProblems: Problem[]; result?: never; sink?: never };

/**
 * Parses one YAML document and checks it with `check`, which reports to the sink it is
 * given and must depend on nothing but the value (it may run twice). A duplicate key is a
 * syntax problem, not a silent overwrite.
 */
export async function checkYaml<T>(
  text: string,
  file: string | undefined,
  check: (value: unknown, sink: ProblemSink) => T,
): Promise<CheckedYaml<T>> {
  const fast = readYamlFast(text);
  if (fast) {
    const sink = new ProblemSink(file === undefined ? {} : { file });
    const result = check(fast.value, sink);
    if (sink.problems.length === 0 && sink.warnings.length === 0) return { result, sink };
  }
  const { readYaml } = await import('./yaml-source.ts');
  const source = readYaml(text, file);
  if (source.syntaxProblems) return { syntaxProblems: source.syntaxProblems };
  return { result: check(source.value, source.sink), sink: source.sink };
}
