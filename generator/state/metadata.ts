// cluster.yaml in the state directory: which cluster the keys belong to and which
// algorithm made them, so a spec pointed at the wrong state is caught before any use.
import { parseDocument } from 'yaml';
import type { Problem } from '../../core/errors.ts';
import { stringifyYaml } from '../../core/yaml-stringify.ts';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../spec/types.ts';

const METADATA_VERSION = 1;

export interface StateMetadata {
  clusterName: string;
  algorithm: KeyAlgorithm;
  /** ISO 8601; when the CAs were made. */
  createdAt: string;
}

export function renderMetadata(metadata: StateMetadata): string {
  const header = "# kubeseed state: this cluster's CAs, keys and bootstrap token. Keep private; back up.\n";
  return header + stringifyYaml({ version: METADATA_VERSION, ...metadata });
}

export function parseMetadata(text: string, path: string): { metadata?: StateMetadata; problems: Problem[] } {
  const document = parseDocument(text);
  const syntaxError = document.errors[0];
  if (syntaxError) {
    const position = syntaxError.linePos?.[0];
    const problem: Problem = { path, message: `not valid YAML (${syntaxError.code}); restore it from the backup` };
    return { problems: [position ? { ...problem, line: position.line, column: position.col } : problem] };
  }
  const value: unknown = document.toJS();
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const problems: Problem[] = [];
  const fieldProblem = (field: string, expected: string) =>
    problems.push({ path, message: `${field}: must be ${expected}; restore the file from the backup` });
  if (fields.version !== METADATA_VERSION) fieldProblem('version', String(METADATA_VERSION));
  const { clusterName, algorithm, createdAt } = fields;
  if (typeof clusterName !== 'string' || clusterName === '') fieldProblem('clusterName', 'a cluster name');
  if (!KEY_ALGORITHMS.includes(algorithm as KeyAlgorithm))
    fieldProblem('algorithm', `one of ${KEY_ALGORITHMS.join(', ')}`);
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)))
    fieldProblem('createdAt', 'an ISO 8601 time');
  if (problems.length > 0) return { problems };
  return {
    metadata: {
      clusterName: clusterName as string,
      algorithm: algorithm as KeyAlgorithm,
      createdAt: createdAt as string,
    },
    problems,
  };
}
