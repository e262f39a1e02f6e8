// Loads cluster.yaml: parses it with positions, reads it against its declaration
// (schema.ts), checks the rules that span fields (checks.ts) and resolves the spec. Every
// problem is reported together, each with its field path and file:line:column.
import { KubeseedError, type Problem } from '../../core/errors.ts';
import { readDocument } from '../../core/schema.ts';
import { readYaml } from '../../core/yaml-source.ts';
import { checkSpec } from './checks.ts';
import { clusterDocument } from './schema.ts';
import { type ClusterSpec, resolveSpec } from './types.ts';

export interface LoadedSpec {
  spec: ClusterSpec;
  /** Problems that do not stop generation, in the same shape as errors. */
  warnings: Problem[];
}

/**
 * Parses and validates cluster.yaml text; `file` is what problems name as their place.
 * Throws KubeseedError('invalid-spec') listing every problem.
 */
export function loadSpec(text: string, file?: string): LoadedSpec {
  const source = readYaml(text, file);
  if (source.syntaxProblems) {
    throw new KubeseedError('invalid-spec', 'the cluster spec is not valid YAML', source.syntaxProblems);
  }
  const { sink } = source;
  const document = readDocument(clusterDocument, source.value, sink);
  const endpoint = document && checkSpec(document, sink);
  if (!document || !endpoint || sink.problems.length > 0) {
    const count = sink.problems.length;
    throw new KubeseedError(
      'invalid-spec',
      `the cluster spec has ${count} problem${count === 1 ? '' : 's'}`,
      sink.problems,
    );
  }
  return { spec: resolveSpec(document, endpoint), warnings: sink.warnings };
}
