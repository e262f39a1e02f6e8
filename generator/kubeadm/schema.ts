// A small language for describing the Go config types kubeadm, the kubelet and kube-proxy
// decode, with where each type was read (its upstream file, per minor) and which minor
// added a field or value, and a checker that walks a parsed document against such a
// description the way a strict Go decoder would for one minor: unknown fields (including
// one a later minor adds), wrong types, and values the field's Go type refuses to decode.
import { cite, compareMinors, type Minor, type UpstreamFile } from './upstream.ts';

/** When a field or value exists, and what says so when it is not there from the start. */
export interface Versioned {
  /** The first supported minor that has it; every supported minor when absent. */
  readonly since?: Minor;
  /** The first supported minor that no longer has it. */
  readonly removedIn?: Minor;
  /** The source of `since`/`removedIn` (a release note and its pull request). */
  readonly evidence?: string;
}

export interface Choice extends Versioned {
  readonly value: string;
}

export type Shape = Versioned &
  (
    | { readonly type: 'string'; readonly oneOf?: readonly Choice[] }
    | {
        readonly type: 'int' | 'float' | 'bool' | 'duration' | 'time' | 'quantity' | 'durationOrNanos' | 'token';
      }
    | { readonly type: 'list'; readonly of: Shape }
    | {
        readonly type: 'map';
        readonly of: Shape;
        /** Feature gates: the keys a minor knows; any key when absent. */
        readonly keys?: readonly Choice[];
      }
    | { readonly type: 'object'; readonly goType: string; readonly source: UpstreamFile; readonly fields: Fields }
  );

export type Fields = { readonly [jsonName: string]: Shape };

export type ObjectShape = Extract<Shape, { type: 'object' }>;

export const str = (...oneOf: (string | Choice)[]): Shape =>
  oneOf.length === 0
    ? { type: 'string' }
    : { type: 'string', oneOf: oneOf.map((choice) => (typeof choice === 'string' ? { value: choice } : choice)) };
export const int = (): Shape => ({ type: 'int' });
export const float = (): Shape => ({ type: 'float' });
export const bool = (): Shape => ({ type: 'bool' });
/** metav1.Duration: a string in Go's time.ParseDuration syntax. */
export const duration = (): Shape => ({ type: 'duration' });
/** metav1.Time: an RFC 3339 timestamp. */
export const time = (): Shape => ({ type: 'time' });
/** resource.Quantity: "100Mi", "10%"-free decimal or binary SI, or a bare number. */
export const quantity = (): Shape => ({ type: 'quantity' });
/** component-base's TimeOrMetaDuration: a duration string or integer nanoseconds. */
export const durationOrNanos = (): Shape => ({ type: 'durationOrNanos' });
/** bootstraptoken/v1 BootstrapTokenString: its UnmarshalJSON refuses anything but `id.secret`. */
export const token = (): Shape => ({ type: 'token' });
export const listOf = (of: Shape): Shape => ({ type: 'list', of });
/** A Go map keyed by string; with `keys`, only those (feature gates). */
export const mapOf = (of: Shape, keys?: readonly Choice[]): Shape =>
  keys === undefined ? { type: 'map', of } : { type: 'map', of, keys };
/** A Go struct, named for the upstream file it is declared in. */
export const object = (goType: string, source: UpstreamFile, fields: Fields): ObjectShape => ({
  type: 'object',
  goType,
  source,
  fields,
});
/** A field or value that not every supported minor has. */
export function versioned<T extends Shape | Choice>(value: T, versions: Versioned): T {
  return { ...value, ...versions };
}

export function existsIn(item: Versioned, minor: Minor): boolean {
  if (item.since !== undefined && compareMinors(minor, item.since) < 0) return false;
  return item.removedIn === undefined || compareMinors(minor, item.removedIn) < 0;
}

function availability(item: Versioned): string {
  if (item.since !== undefined) return ` (added in ${item.since})`;
  return item.removedIn === undefined ? '' : ` (removed in ${item.removedIn})`;
}

// time.ParseDuration: "0", or a signed sequence of decimal numbers each with a unit.
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
// RFC 3339 as metav1.Time parses it.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// resource.Quantity's canonical forms: a signed decimal with an optional binary or decimal SI suffix or exponent.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
/** cluster-bootstrap token/api BootstrapTokenPattern. */
export const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return kindOf(value) === 'mapping';
}

function mismatch(path: string, expected: string, value: unknown): string[] {
  return [`${path}: expected ${expected}, got ${kindOf(value)}`];
}

function checkString(value: unknown, shape: Extract<Shape, { type: 'string' }>, path: string, minor: Minor): string[] {
  if (typeof value !== 'string') return mismatch(path, 'string', value);
  if (!shape.oneOf) return [];
  const choice = shape.oneOf.find((candidate) => candidate.value === value);
  if (choice && existsIn(choice, minor)) return [];
  const allowed = shape.oneOf.filter((candidate) => existsIn(candidate, minor)).map((candidate) => candidate.value);
  const note = choice ? ` in ${minor}${availability(choice)}` : '';
  return [`${path}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}${note}`];
}

function checkScalar(value: unknown, shape: Shape, path: string): string[] {
  switch (shape.type) {
    case 'int':
      return Number.isInteger(value) ? [] : mismatch(path, 'integer', value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? [] : mismatch(path, 'number', value);
    case 'bool':
      return typeof value === 'boolean' ? [] : mismatch(path, 'bool', value);
    case 'duration':
      if (typeof value !== 'string') return mismatch(path, 'duration string', value);
      return GO_DURATION.test(value) ? [] : [`${path}: ${JSON.stringify(value)} is not a Go duration (e.g. 24h0m0s)`];
    case 'time':
      if (typeof value !== 'string') return mismatch(path, 'RFC 3339 time string', value);
      return RFC3339.test(value) ? [] : [`${path}: ${JSON.stringify(value)} is not an RFC 3339 time`];
    case 'quantity':
      if (typeof value === 'number') return [];
      if (typeof value !== 'string') return mismatch(path, 'quantity', value);
      return QUANTITY.test(value) ? [] : [`${path}: ${JSON.stringify(value)} is not a quantity (e.g. 100Mi)`];
    case 'durationOrNanos':
      return Number.isInteger(value) ? [] : checkScalar(value, duration(), path);
    case 'token':
      // The secret is never echoed: messages reach logs.
      if (typeof value !== 'string') return mismatch(path, 'bootstrap token string', value);
      return BOOTSTRAP_TOKEN.test(value)
        ? []
        : [`${path}: the bootstrap token is not of the form [a-z0-9]{6}.[a-z0-9]{16}`];
    default:
      return [];
  }
}

function checkKey(key: string, keys: readonly Choice[] | undefined, path: string, minor: Minor): string[] {
  if (keys === undefined) return [];
  const known = keys.find((candidate) => candidate.value === key);
  if (known && existsIn(known, minor)) return [];
  const note = known ? ` in ${minor}${availability(known)}` : '';
  return [`${path}: ${key} is not a valid feature name${note}`];
}

/** Problems, each `path: message`, found walking `value` against `shape` as `minor` decodes it; empty when it fits. */
export function checkValue(value: unknown, shape: Shape, path: string, minor: Minor): string[] {
  switch (shape.type) {
    case 'string':
      return checkString(value, shape, path, minor);
    case 'list':
      if (!Array.isArray(value)) return mismatch(path, 'list', value);
      return value.flatMap((item, index) => checkValue(item, shape.of, `${path}[${index}]`, minor));
    case 'map':
      if (!isMapping(value)) return mismatch(path, 'mapping', value);
      return Object.entries(value).flatMap(([key, item]) => [
        ...checkKey(key, shape.keys, path, minor),
        ...checkValue(item, shape.of, `${path}.${key}`, minor),
      ]);
    case 'object':
      if (!isMapping(value)) return mismatch(path, 'mapping', value);
      return Object.entries(value).flatMap(([key, item]) => {
        const field = shape.fields[key];
        if (field && existsIn(field, minor)) return checkValue(item, field, `${path}.${key}`, minor);
        const hint = field ? ` in ${minor}${availability(field)}` : '';
        return [`${path}.${key}: unknown field${hint}`];
      });
    default:
      return checkScalar(value, shape, path);
  }
}

/** Where one field of a described type comes from, for one minor. */
export interface FieldProvenance {
  /** JSON path below the document, e.g. `nodeRegistration.taints[].effect`. */
  path: string;
  type: string;
  /** The Go struct that declares the field and its upstream file at the minor's ref. */
  declaredIn: string;
  source: string;
  evidence?: string;
}

function typeName(shape: Shape): string {
  switch (shape.type) {
    case 'list':
      return `[]${typeName(shape.of)}`;
    case 'map':
      return `map[string]${typeName(shape.of)}`;
    case 'object':
      return shape.goType;
    case 'string':
      return shape.oneOf ? `string (${shape.oneOf.map((choice) => choice.value).join(' | ')})` : 'string';
    default:
      return shape.type;
  }
}

function objectBelow(shape: Shape): ObjectShape | undefined {
  if (shape.type === 'object') return shape;
  if (shape.type === 'list' || shape.type === 'map') return objectBelow(shape.of);
  return undefined;
}

/** Every field of `shape` that exists in `minor`, depth first, with where it was read. */
export function provenance(shape: ObjectShape, minor: Minor, prefix = ''): FieldProvenance[] {
  return Object.entries(shape.fields).flatMap(([name, field]) => {
    if (!existsIn(field, minor)) return [];
    const path = `${prefix}${name}`;
    const own: FieldProvenance = {
      path,
      type: typeName(field),
      declaredIn: shape.goType,
      source: cite(shape.source, minor),
      ...(field.evidence === undefined ? {} : { evidence: field.evidence }),
    };
    const nested = objectBelow(field);
    const suffix = field.type === 'list' ? '[].' : field.type === 'map' ? '.*.' : '.';
    return nested ? [own, ...provenance(nested, minor, `${path}${suffix}`)] : [own];
  });
}
