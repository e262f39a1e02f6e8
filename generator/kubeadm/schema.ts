// A small language for describing the Go config types kubeadm, the kubelet and kube-proxy
// decode, and a checker that walks a parsed document against such a description. A
// misspelled field in a rendered document would otherwise surface only on the machine, at
// boot, if at all; here it fails a test on the operator's machine.

export type Shape =
  | { readonly type: 'string'; readonly oneOf?: readonly string[]; readonly pattern?: RegExp }
  | { readonly type: 'int' | 'float' | 'bool' | 'duration' | 'quantity' | 'durationOrNanos' }
  | { readonly type: 'list' | 'map'; readonly of: Shape }
  | { readonly type: 'object'; readonly fields: Fields };

export type Fields = { readonly [jsonName: string]: Shape };

export const str = (rules: { oneOf?: readonly string[]; pattern?: RegExp } = {}): Shape => ({
  type: 'string',
  ...rules,
});
export const int = (): Shape => ({ type: 'int' });
export const float = (): Shape => ({ type: 'float' });
export const bool = (): Shape => ({ type: 'bool' });
/** metav1.Duration: a string in Go's time.ParseDuration syntax. */
export const duration = (): Shape => ({ type: 'duration' });
/** resource.Quantity: "100Mi", "10%" or a bare number. */
export const quantity = (): Shape => ({ type: 'quantity' });
/** component-base's TimeOrMetaDuration: a duration string or integer nanoseconds. */
export const durationOrNanos = (): Shape => ({ type: 'durationOrNanos' });
export const listOf = (of: Shape): Shape => ({ type: 'list', of });
/** A Go map keyed by string. */
export const mapOf = (of: Shape): Shape => ({ type: 'map', of });
export const object = (fields: Fields): Shape => ({ type: 'object', fields });

// time.ParseDuration: "0", or a signed sequence of decimal numbers each with a unit.
const GO_DURATION = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return kindOf(value) === 'mapping';
}

function mismatch(path: string, expected: string, value: unknown): string[] {
  return [`${path}: expected ${expected}, got ${kindOf(value)}`];
}

function checkString(value: unknown, shape: Extract<Shape, { type: 'string' }>, path: string): string[] {
  if (typeof value !== 'string') return mismatch(path, 'string', value);
  if (shape.oneOf && !shape.oneOf.includes(value))
    return [`${path}: ${JSON.stringify(value)} is not one of ${shape.oneOf.join(', ')}`];
  if (shape.pattern && !shape.pattern.test(value))
    return [`${path}: ${JSON.stringify(value)} does not match ${shape.pattern}`];
  return [];
}

/** Problems, each `path: message`, found walking `value` against `shape`; empty when it fits. */
export function checkValue(value: unknown, shape: Shape, path: string): string[] {
  switch (shape.type) {
    case 'string':
      return checkString(value, shape, path);
    case 'int':
      return Number.isInteger(value) ? [] : mismatch(path, 'integer', value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? [] : mismatch(path, 'number', value);
    case 'bool':
      return typeof value === 'boolean' ? [] : mismatch(path, 'bool', value);
    case 'duration':
      if (typeof value !== 'string') return mismatch(path, 'duration string', value);
      return GO_DURATION.test(value) ? [] : [`${path}: ${JSON.stringify(value)} is not a Go duration (e.g. 24h0m0s)`];
    case 'quantity':
      return typeof value === 'string' || typeof value === 'number' ? [] : mismatch(path, 'quantity', value);
    case 'durationOrNanos':
      return Number.isInteger(value) ? [] : checkValue(value, duration(), path);
    case 'list':
      if (!Array.isArray(value)) return mismatch(path, 'list', value);
      return value.flatMap((item, index) => checkValue(item, shape.of, `${path}[${index}]`));
    case 'map':
      if (!isMapping(value)) return mismatch(path, 'mapping', value);
      return Object.entries(value).flatMap(([key, item]) => checkValue(item, shape.of, `${path}.${key}`));
    case 'object':
      if (!isMapping(value)) return mismatch(path, 'mapping', value);
      return Object.entries(value).flatMap(([key, item]) => {
        const field = shape.fields[key];
        return field ? checkValue(item, field, `${path}.${key}`) : [`${path}.${key}: unknown field`];
      });
  }
}
