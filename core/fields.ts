// Reads an untrusted, already-parsed document field by field, collecting every problem
// instead of stopping at the first, so a user sees all of them at once.
import type { YAMLError } from 'yaml';
import type { Problem } from './errors.ts';

export type PathSegment = string | number;
export type Locate = (path: readonly PathSegment[]) => { line: number; column: number } | undefined;

export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment),
    '',
  );
}

export class ProblemSink {
  readonly problems: Problem[] = [];
  constructor(private readonly locate?: Locate) {}

  add(path: readonly PathSegment[], message: string): void {
    const position = this.locate?.(path);
    this.problems.push({ path: formatPath(path), message, ...position });
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A position in the document; every reader returns undefined after recording a problem. */
export class Cursor {
  constructor(
    readonly value: unknown,
    readonly path: readonly PathSegment[],
    readonly sink: ProblemSink,
  ) {}

  static root(value: unknown, sink: ProblemSink): Cursor {
    return new Cursor(value, [], sink);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  field(key: string): Cursor {
    const record = isRecord(this.value) ? this.value : {};
    return new Cursor(record[key], [...this.path, key], this.sink);
  }

  item(index: number): Cursor {
    return new Cursor(Array.isArray(this.value) ? this.value[index] : undefined, [...this.path, index], this.sink);
  }

  fail(message: string): undefined {
    this.sink.add(this.path, message);
    return undefined;
  }

  /** A mapping whose keys must all be known: a misspelled field is an error, not ignored. */
  mapping(allowed: readonly string[], { required = true } = {}): boolean {
    if (!this.present) return required ? !this.fail('is required') : false;
    if (!isRecord(this.value)) return !this.fail(`must be a mapping, not ${describe(this.value)}`);
    for (const key of Object.keys(this.value)) {
      if (!allowed.includes(key)) {
        this.field(key).fail(`unknown field; expected one of: ${allowed.join(', ')}`);
      }
    }
    return true;
  }

  list({ required = true } = {}): Cursor[] | undefined {
    if (!this.present) return required ? this.fail('is required') : [];
    if (!Array.isArray(this.value)) return this.fail(`must be a list, not ${describe(this.value)}`);
    return this.value.map((_, index) => this.item(index));
  }

  /** `secret` values (keys) are never quoted back in a message: errors reach logs. */
  string(
    options: { required?: boolean; pattern?: RegExp; expected?: string; secret?: boolean } = {},
  ): string | undefined {
    const { required = true, pattern, expected, secret = false } = options;
    if (!this.present) return required ? this.fail('is required') : undefined;
    if (typeof this.value !== 'string')
      return this.fail(`must be a string, not ${secret ? typeof this.value : describe(this.value)}`);
    if (pattern && !pattern.test(this.value)) {
      return this.fail(
        `${secret ? 'is' : `${JSON.stringify(this.value)} is`} not valid; expected ${expected ?? pattern.source}`,
      );
    }
    return this.value;
  }

  oneOf<T extends string>(choices: readonly T[], fallback?: T): T | undefined {
    if (!this.present && fallback !== undefined) return fallback;
    const value = this.string();
    if (value === undefined) return undefined;
    if (!(choices as readonly string[]).includes(value)) {
      return this.fail(`${JSON.stringify(value)} is not supported; expected one of: ${choices.join(', ')}`);
    }
    return value as T;
  }

  integer(options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const { required = true, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    if (!this.present) return required ? this.fail('is required') : undefined;
    if (typeof this.value !== 'number' || !Number.isInteger(this.value)) {
      return this.fail(`must be an integer, not ${describe(this.value)}`);
    }
    if (this.value < min || this.value > max) return this.fail(`${this.value} is out of range ${min}–${max}`);
    return this.value;
  }

  boolean(options: { required?: boolean } = {}): boolean | undefined {
    const { required = true } = options;
    if (!this.present) return required ? this.fail('is required') : undefined;
    if (typeof this.value !== 'boolean') return this.fail(`must be true or false, not ${describe(this.value)}`);
    return this.value;
  }

  stringList({ required = false } = {}): string[] | undefined {
    const items = this.list({ required });
    if (!items) return undefined;
    const values = items.map((item) => item.string());
    return values.every((value): value is string => value !== undefined) ? values : undefined;
  }

  stringMap({ required = false } = {}): Record<string, string> | undefined {
    if (!this.present) return required ? this.fail('is required') : {};
    if (!isRecord(this.value)) return this.fail(`must be a mapping, not ${describe(this.value)}`);
    const result: Record<string, string> = {};
    let ok = true;
    for (const key of Object.keys(this.value)) {
      const value = this.field(key).string();
      if (value === undefined) ok = false;
      else result[key] = value;
    }
    return ok ? result : undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** YAML parser errors as problems: the first line of each message, positioned. */
export function yamlProblems(errors: readonly YAMLError[]): Problem[] {
  return errors.map((error) => ({
    path: '',
    message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
    ...(error.linePos?.[0] ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
  }));
}
