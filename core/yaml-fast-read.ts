// A YAML document read the fast way, or not at all. The `yaml` library, which gives the
// positions every message needs, costs ~0.45 s of CPU for a 5,000-node cluster.yaml;
// js-yaml reads the same text in a tenth of that. This reader gives exactly the value the
// `yaml` library's YAML 1.2 core schema gives, and declines (undefined) every document it
// cannot be sure of, so the `yaml` library decides those: anything js-yaml rejects,
// directives, tags, anchors and aliases, explicit `?` keys, collections or nulls as keys,
// and merge keys.
import { FAILSAFE_SCHEMA, load, type State, Type } from 'js-yaml';

// The `yaml` library's core schema (yaml/dist/schema/core and common/null.js), in its order.
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

function int(text: string): number {
  if (INT_OCT.test(text)) return Number.parseInt(text.slice(2), 8);
  if (INT_HEX.test(text)) return Number.parseInt(text.slice(2), 16);
  return Number.parseInt(text, 10);
}

function float(text: string): number {
  if (!FLOAT_NAN.test(text)) return Number.parseFloat(text);
  if (text.slice(-3).toLowerCase() === 'nan') return Number.NaN;
  return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

// Tags no document can name (a tag is a URI, with no spaces), so an explicit tag never
// reaches these types: every explicit tag is declined below.
const TAGS = {
  null: 'kubeseed core null',
  bool: 'kubeseed core bool',
  int: 'kubeseed core int',
  float: 'kubeseed core float',
};
const implicit = [
  new Type(TAGS.null, { kind: 'scalar', resolve: (text) => NULL.test(text), construct: () => null }),
  new Type(TAGS.bool, {
    kind: 'scalar',
    resolve: (text) => BOOL.test(text),
    construct: (text: string) => text[0] === 't' || text[0] === 'T',
  }),
  new Type(TAGS.int, {
    kind: 'scalar',
    resolve: (text) => INT_OCT.test(text) || INT.test(text) || INT_HEX.test(text),
    construct: int,
  }),
  new Type(TAGS.float, {
    kind: 'scalar',
    resolve: (text) => FLOAT_NAN.test(text) || FLOAT_EXP.test(text) || FLOAT.test(text),
    construct: float,
  }),
];
const IMPLICIT_TAGS = new Set<string | null>([null, '?', ...Object.values(TAGS)]);
const CORE = FAILSAFE_SCHEMA.extend({ implicit });

/**
 * Where js-yaml takes what the `yaml` library rejects or reads otherwise: directives,
 * verbatim tags (`!<…>`, which may name `?`), explicit `?` keys, content after `---` or
 * `...` on its line, a sequence entry left empty (`- -` ending a line: js-yaml puts the
 * next, less indented entry into the inner sequence), a tab in a line's indentation, a line
 * break that is a lone CR, a comment right after a quote or bracket with no space, a byte
 * order mark (js-yaml drops it wherever it is), a `\U` escape (js-yaml takes code points
 * past U+10FFFF), a block scalar's indentation indicator (`|2`: js-yaml keeps spaces of
 * blank lines the `yaml` library drops) and blank lines with spaces at a block scalar's
 * start (js-yaml takes its indentation from them; the `yaml` library rejects more-indented
 * ones), and keep chomping (`|+`: the two differ on trailing blank lines at the end).
 */
const DECLINED_SYNTAX =
  /\\U|[|>][-+]?[1-9]|[|>]\+|[|>][-+]?[ \t]*(?:#.*)?\r?\n(?:[ \t]*\r?\n)*[ \t]+\r?\n|\ufeff|\r(?!\n)|["'\]}]#|^%|^(?:---|\.\.\.)(?:[^ \t\r\n]|[ \t]+[^# \t\r\n])|^ *\t|!<|(?:^|[\s[{,])\?(?:\s|$)|^[ \t]*(?:-[ \t]+)*-[ \t]*(?:#.*)?\r?$/m;
/** Keys js-yaml makes from a null (`~: a`, `: a` give "null"; the `yaml` library ""), merge keys. */
const DECLINED_KEYS = new Set(['null', '<<', '__proto__']);

class Declined extends Error {}

/** What js-yaml's state holds while it composes a node (not in its published types). */
interface NodeState extends State {
  tag: string | null;
  anchor: string | null;
}

/** Where the node that starts after `position` (spaces, line breaks, comments) begins. */
function contentStart(input: string, position: number): number {
  let at = position;
  for (;;) {
    const char = input[at];
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') at++;
    else if (char === '#') at = input.indexOf('\n', at) === -1 ? input.length : input.indexOf('\n', at);
    else return at;
  }
}

function followedByColon(input: string, position: number): boolean {
  let at = position;
  while (input[at] === ' ' || input[at] === '\t') at++;
  return input[at] === ':';
}

const opened: number[] = [];

/** Whether the node that starts at `first` is a value after `:` (not a key, nor a list item). */
function afterColon(input: string, first: number): boolean {
  let at = first - 1;
  while (input[at] === ' ' || input[at] === '\t') at--;
  return input[at] === ':';
}

// Called as each node opens and closes: a tag or an anchor (every alias needs one)
// declines; so does a collection used as a key (js-yaml joins `[1, 2]` into "1,2" and a
// mapping into "[object Object]"; the `yaml` library writes them as YAML), and a quoted
// scalar or a flow collection over several lines (js-yaml accepts continuation lines the
// `yaml` library rejects as not indented enough).
function onNode(event: 'open' | 'close', state: State): void {
  if (event === 'open') {
    opened.push(state.position);
    return;
  }
  const start = opened.pop()!;
  const node = state as NodeState;
  const input = node.input;
  if (node.anchor !== null || !IMPLICIT_TAGS.has(node.tag)) throw new Declined();
  const first = contentStart(input, start);
  const opener = input[first];
  const flow = node.kind !== 'scalar' && (opener === '[' || opener === '{');
  if (node.kind === 'scalar' ? node.tag === null && (opener === '"' || opener === "'") : flow) {
    const lineEnd = input.indexOf('\n', first);
    if (lineEnd !== -1 && lineEnd < node.position) throw new Declined();
  }
  if (node.kind !== 'scalar' && node.kind !== null && followedByColon(input, node.position)) throw new Declined();
  // In a flow mapping, a flow collection not after `:` is a key with no value: `{[a]}`. (A
  // node that starts where its parent starts is the parent read again as a would-be key.)
  if (flow && opened.length > 0) {
    const parent = contentStart(input, opened.at(-1)!);
    if (parent !== first && input[parent] === '{' && !afterColon(input, first)) throw new Declined();
  }
}

/** The `yaml` library rejects an implicit key that ends more than 1,024 characters after it starts. */
function hasLongLine(text: string): boolean {
  let start = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    if (end - start > 1024) return true;
    start = end + 1;
  }
  return text.length - start > 1024;
}

function hasDeclinedKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasDeclinedKey);
  for (const key in value) {
    if (DECLINED_KEYS.has(key) || hasDeclinedKey((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** The document's value as the `yaml` library reads it, or undefined when it declines. */
export function readYamlFast(text: string): { value: unknown } | undefined {
  if (DECLINED_SYNTAX.test(text) || hasLongLine(text)) return undefined;
  opened.length = 0;
  try {
    const value = load(text, { schema: CORE, listener: onNode });
    // A document to check is a mapping or a list; an empty one is null or undefined as it
    // has comments or not, so anything else is left to the `yaml` library.
    return typeof value !== 'object' || value === null || hasDeclinedKey(value) ? undefined : { value };
  } catch {
    return undefined;
  }
}
