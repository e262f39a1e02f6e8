// Loads cluster.yaml: parses it, reads it against its declaration (schema.ts), checks the
// rules that span fields (checks.ts) and resolves the spec. Every problem is reported
// together, each with its field path and file:line:column.
import { KubeseedError, type Problem } from '../../core/errors.ts';
import { type ProblemSink, readDocument } from '../../core/schema.ts';
import { checkYaml } from '../../core/yaml-check.ts';
import { checkSpec } from './checks.ts';
import { clusterDocument } from './schema.ts';
import { type ClusterSpec, resolveSpec } from './types.ts';

export interface LoadedSpec {
  spec: ClusterSpec;
  /** Problems that do not stop generation, in the same shape as errors. */
  warnings: Problem[];
}

/** The spec the parsed document describes; undefined when `sink` has a problem. */
export function specOf(value: unknown, sink: ProblemSink): ClusterSpec | undefined {
  const document = readDocument(clusterDocument, value, sink);
  const endpoint = document && checkSpec(document, sink);
  return document && endpoint && sink.problems.length === 0 ? resolveSpec(document, endpoint) : undefined;
}

/**
 * Parses and validates cluster.yaml text; `file` is what problems name as their place.
 * Rejects with KubeseedError('invalid-spec') listing every problem.
 */
export async function loadSpec(text: string, file?: string): Promise<LoadedSpec> {
  const checked = await checkYaml(text, file, specOf);
  if (checked.syntaxProblems) {
    throw new KubeseedError('invalid-spec', 'the cluster spec is not valid YAML', checked.syntaxProblems);
  }
  const { result: spec, sink } = checked;
  if (!spec) {
    const count = sink.problems.length;
    throw new KubeseedError(
      'invalid-spec',
      `the cluster spec has ${count} problem${count === 1 ? '' : 's'}`,
      sink.problems,
    );
  }
  return { spec, warnings: sink.warnings };
}
