// Declares a document once: each declaration both reads an untrusted, parsed value (every
// problem collected with its field path, so a user sees all of them at once) and gives the
// TypeScript type of what it returns (`Infer<typeof declaration>`). A value is all or
// nothing: a declaration returns its value only when nothing under it had a problem, so
// rules that span fields run on checked values afterwards and report through the same sink.
//
// Written here rather than taken from valibot or zod (measured in the commit that added it):
// YAML's empty value (null) counts as absent, every unknown key is reported (not only the
// first), messages are the project's own, and `secret()` makes a value's messages never
// quote it, whatever check fails.
import type { Problem } from './errors.ts';

export type PathSegment = string | number;
interface Position {
  line: number;
  column: number;
}
/** Where a field's value starts in the input file, when the input is a file. */
export type Locate = (path: readonly PathSegment[]) => Position | undefined;

function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment),
    '',
  );
}

/** Collects problems and warnings, each with its path and, for a file, file:line:column. */
export class ProblemSink {
  readonly problems: Problem[] = [];
  readonly warnings: Problem[] = [];
  constructor(private readonly source: { file?: string; locate?: Locate } = {}) {}

  #problem(path: readonly PathSegment[], message: string): Problem {
    const position = this.source.locate?.(path);
    return {
      ...(this.source.file === undefined ? {} : { file: this.source.file }),
      ...position,
      path: formatPath(path),
      message,
    };
  }

  add(path: readonly PathSegment[], message: string): void {
    this.problems.push(this.#problem(path, message));
  }

  warn(path: readonly PathSegment[], message: string): void {
    this.warnings.push({ ...this.#problem(path, message), severity: 'warning' });
  }
}

const INVALID: unique symbol = Symbol('invalid');
/** What a reader returns after recording a problem. */
export type Invalid = typeof INVALID;

/** A reader's place in the document. */
export class At {
  constructor(
    readonly sink: ProblemSink,
    readonly path: readonly PathSegment[] = [],
    /** Inside a secret: messages describe the value without quoting it. */
    readonly secret = false,
  ) {}

  child(segment: PathSegment): At {
    return new At(this.sink, [...this.path, segment], this.secret);
  }

  secretly(): At {
    return new At(this.sink, this.path, true);
  }

  fail(message: string): Invalid {
    this.sink.add(this.path, message);
    return INVALID;
  }

  /** The value as a message may show it: quoted, or only its type inside a secret. */
  show(value: unknown): string {
    return this.secret ? `a ${kindOf(value)}` : JSON.stringify(value);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (isRecord(value)) return 'mapping';
  return typeof value;
}

function describe(value: unknown, at: At): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a mapping';
  return at.secret ? typeof value : `${typeof value} ${JSON.stringify(value)}`;
}

type Read<T> = (value: unknown, at: At) => T | Invalid;
/** A rule on a value that passed its declaration: a message, or INVALID after failing at a sub-path. */
type Rule<T> = (value: T, at: At) => string | Invalid | undefined;

const required = (at: At): Invalid => at.fail('is required');

/**
 * One declared value. `Optional` is true for a field that may be left out (its value then
 * undefined); a field with a default is never absent in the result.
 */
export class Schema<T, Optional extends boolean = false> {
  /** Type-level only: what the declaration reads to. */
  declare readonly output: T;

  constructor(
    private readonly readPresent: Read<T>,
    private readonly readAbsent: (at: At) => T | Invalid = required,
    readonly optional: Optional = false as Optional,
  ) {}

  /** YAML's empty value and a missing key are both absent. */
  read(value: unknown, at: At): T | Invalid {
    return value === undefined || value === null ? this.readAbsent(at) : this.readPresent(value, at);
  }

  /** May be left out; reads to undefined then. */
  orAbsent(): Schema<T | undefined, true> {
    return new Schema<T | undefined, true>(this.readPresent, () => undefined, true);
  }

  /** Read `value`, written as the document would write it, when the field is left out. */
  default(value: unknown): Schema<T> {
    return new Schema(this.readPresent, (at) => this.readPresent(value, at));
  }

  /** Messages about this value never quote it (keys, tokens). */
  secret(): Schema<T, Optional> {
    return new Schema(
      (value, at) => this.readPresent(value, at.secretly()),
      (at) => this.readAbsent(at.secretly()),
      this.optional,
    );
  }

  /** A further rule, checked once the value passed everything declared before it. */
  check(this: Schema<T>, rule: Rule<T>): Schema<T> {
    return this.followedBy((value, at) => {
      const outcome = rule(value, at);
      return outcome === undefined ? value : typeof outcome === 'string' ? at.fail(outcome) : outcome;
    });
  }

  /** Converts a checked value; `at.fail` rejects it. */
  map<U>(this: Schema<T>, convert: (value: T, at: At) => U | Invalid): Schema<U> {
    return this.followedBy(convert);
  }

  private followedBy<U>(next: (value: T, at: At) => U | Invalid): Schema<U> {
    const after = (result: T | Invalid, at: At) => (result === INVALID ? INVALID : next(result, at));
    return new Schema<U>(
      (value, at) => after(this.readPresent(value, at), at),
      (at) => after(this.readAbsent(at), at),
    );
  }
}

export type Infer<S> = S extends Schema<infer T, boolean> ? T : never;

/** A declaration written by hand, for formats the builders below do not cover. */
export function custom<T>(read: Read<T>): Schema<T> {
  return new Schema(read);
}

/** Reads a whole document; undefined when a problem was recorded (they are in `sink`). */
export function readDocument<T>(schema: Schema<T, boolean>, value: unknown, sink: ProblemSink): T | undefined {
  const result = schema.read(value, new At(sink));
  return result === INVALID ? undefined : result;
}

export function string(
  options: { pattern?: { test(text: string): boolean; source?: string }; expected?: string } = {},
): Schema<string> {
  const { pattern, expected } = options;
  return new Schema((value, at) => {
    if (typeof value !== 'string') return at.fail(`must be a string, not ${describe(value, at)}`);
    if (pattern && !pattern.test(value)) {
      const shown = at.secret ? 'is' : `${JSON.stringify(value)} is`;
      return at.fail(`${shown} not valid; expected ${expected ?? pattern.source}`);
    }
    return value;
  });
}

export function oneOf<const C extends string>(choices: readonly C[]): Schema<C> {
  return string().map((value, at) =>
    (choices as readonly string[]).includes(value)
      ? (value as C)
      : at.fail(`${at.show(value)} is not supported; expected one of: ${choices.join(', ')}`),
  );
}

export function integer(options: { min?: number; max?: number } = {}): Schema<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  return new Schema((value, at) => {
    if (typeof value !== 'number' || !Number.isInteger(value))
      return at.fail(`must be an integer, not ${describe(value, at)}`);
    if (value < min || value > max) return at.fail(`${at.show(value)} is out of range ${min}–${max}`);
    return value;
  });
}

export function boolean(): Schema<boolean> {
  return new Schema((value, at) =>
    typeof value === 'boolean' ? value : at.fail(`must be true or false, not ${describe(value, at)}`),
  );
}

export function list<T>(item: Schema<T, boolean>): Schema<T[]> {
  return new Schema((value, at) => {
    if (!Array.isArray(value)) return at.fail(`must be a list, not ${describe(value, at)}`);
    const items = value.map((entry, index) => item.read(entry, at.child(index)));
    return items.includes(INVALID) ? INVALID : (items as T[]);
  });
}

/** A mapping with keys the document chooses (labels, parameters); `key` checks each key. */
export function map<T>(
  value: Schema<T, boolean>,
  options: { key?: (key: string) => string | undefined } = {},
): Schema<Record<string, T>> {
  return new Schema((input, at) => {
    if (!isRecord(input)) return at.fail(`must be a mapping, not ${describe(input, at)}`);
    const result: Record<string, T> = {};
    let valid = true;
    for (const [key, entry] of Object.entries(input)) {
      const keyProblem = options.key?.(key);
      const read = keyProblem === undefined ? value.read(entry, at.child(key)) : at.child(key).fail(keyProblem);
      if (read === INVALID) valid = false;
      else result[key] = read;
    }
    return valid ? result : INVALID;
  });
}

type Fields = { readonly [key: string]: Schema<unknown, boolean> };
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Schema<unknown, true> ? never : K }[keyof F];
type Flatten<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<F extends Fields> = Flatten<
  { -readonly [K in RequiredKeys<F>]: Infer<F[K]> } & {
    -readonly [K in Exclude<keyof F, RequiredKeys<F>>]?: Exclude<Infer<F[K]>, undefined>;
  }
>;

/**
 * A mapping with known fields, read in declaration order (so a value written back out has
 * a stable order). A key not declared is a problem, since a misspelled field silently
 * ignored is worse than an error; `unknownFields: 'ignore'` is for documents a later
 * version of someone else's spec may extend (registry manifests).
 */
export function object<F extends Fields>(
  fields: F,
  options: { unknownFields?: 'reject' | 'ignore' } = {},
): Schema<ObjectOf<F>> & { readonly fields: F } {
  const keys = Object.keys(fields);
  const schema = new Schema<ObjectOf<F>>((value, at) => {
    if (!isRecord(value)) return at.fail(`must be a mapping, not ${describe(value, at)}`);
    let valid = true;
    if (options.unknownFields !== 'ignore') {
      for (const key of Object.keys(value)) {
        if (Object.hasOwn(fields, key)) continue;
        at.child(key).fail(`unknown field; expected one of: ${keys.join(', ')}`);
        valid = false;
      }
    }
    const result: Record<string, unknown> = {};
    for (const key of keys) {
      const read = fields[key]!.read(value[key], at.child(key));
      if (read === INVALID) valid = false;
      else if (read !== undefined) result[key] = read;
    }
    return valid ? (result as ObjectOf<F>) : INVALID;
  });
  return Object.assign(schema, { fields });
}
