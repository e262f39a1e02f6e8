// One error type for the whole project: a code a caller can branch on, plus the list of
// problems, each naming the field (and, where the input is a file, file:line:column).

/** Each code means one thing, so a caller (a script, a retry, a test) can act on it. */
export type ErrorCode =
  /** The command line is wrong: exit 2, with the command's usage. */
  | 'usage'
  /** The cluster spec breaks a rule: fix cluster.yaml. */
  | 'invalid-spec'
  /** The node bundle is malformed or inconsistent: generate it again. */
  | 'invalid-bundle'
  /** Recorded state (the generator's state directory, the agent's progress) is damaged, foreign or not at the step asked for. */
  | 'invalid-state'
  /** A file or image the command was pointed at is not what it needs (a disk image, a root filesystem, a binary, an output directory, a registry image). */
  | 'invalid-input'
  /** Valid input of a kind kubeseed does not handle (schema 1 images, artifacts, registries that need credentials). */
  | 'unsupported'
  /** Bytes that are not the ones pinned or announced: a checksum, digest or size does not match. */
  | 'integrity'
  /** Reading or writing a local file failed (missing, no permission, disk full). */
  | 'io'
  /** A remote host could not be reached or the transfer broke off; running again may succeed. */
  | 'network'
  /** A remote host answered outside its protocol (a registry's or token service's). */
  | 'protocol'
  /** An external program failed, was not found or did not finish in time. */
  | 'command-failed'
  /** This machine cannot become the node its bundle describes. */
  | 'preflight'
  /** An output does not fit a limit: a platform's user-data size, a file system's file size. */
  | 'size'
  /** The cluster's API server (or etcd) could not be reached, or its certificate is not the cluster CA's. */
  | 'cluster-unreachable'
  /** The cluster answered but refused or failed the request. */
  | 'cluster-refused'
  /** Another process holds what this one needs (kubeseed-boot's agent lock): run again once it has finished. */
  | 'busy'
  /** A bug in kubeseed: an invariant its own code should keep did not hold. */
  | 'internal';

export interface Problem {
  /** Field path in the input, e.g. `nodes[2].name`; empty for the document itself. */
  path: string;
  message: string;
  /** The input file, when the input is one. */
  file?: string;
  line?: number;
  column?: number;
  /** Absent for an error. */
  severity?: 'warning';
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

/** `cluster.yaml:12:5: nodes[2].name: …`, the form editors jump to; warnings say so after the position. */
export function formatProblem(problem: Problem): string {
  const position = problem.line === undefined ? [] : [problem.line, problem.column ?? 1];
  const where = [problem.file, ...position].filter((part) => part !== undefined).join(':');
  return [
    where ? `${where}: ` : '',
    problem.severity === 'warning' ? 'warning: ' : '',
    problem.path ? `${problem.path}: ` : '',
    problem.message,
  ].join('');
}

/** The message, then one line per problem: a problem in a file starts its line with file:line:col. */
export function formatError(error: KubeseedError): string {
  const lines = error.problems.map((problem) => `${problem.file === undefined ? '  ' : ''}${formatProblem(problem)}`);
  return [error.message, ...lines].join('\n');
}
