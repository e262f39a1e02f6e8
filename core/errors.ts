// One error type for the whole project: a machine-readable code plus the list of
// problems, each naming the field (and where the input came from YAML, line:column).

export type ErrorCode =
  | 'invalid-spec'
  | 'invalid-bundle'
  | 'invalid-state'
  | 'usage'
  | 'io'
  | 'size'
  | 'preflight'
  | 'command-failed';

export interface Problem {
  /** Field path in the input, e.g. `nodes[2].name`; empty for the document itself. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class KubeseedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems: readonly Problem[] = [],
  ) {
    super(message);
    this.name = 'KubeseedError';
  }
}

export function formatProblem(problem: Problem, source?: string): string {
  const where =
    problem.line === undefined ? '' : `${source ?? ''}${source ? ':' : ''}${problem.line}:${problem.column ?? 1}: `;
  const field = problem.path ? `${problem.path}: ` : '';
  return `${where}${field}${problem.message}`;
}

export function formatError(error: KubeseedError, source?: string): string {
  if (error.problems.length === 0) return error.message;
  return [error.message, ...error.problems.map((p) => `  ${formatProblem(p, source)}`)].join('\n');
}
