// YAML text for the documents kubeseed writes (bundles, user-data, kubeadm configs),
// byte for byte what the `yaml` library's stringify writes with lineWidth 0, without
// building its document tree: at fleet scale that tree was most of generate's CPU time.
// The fast path covers plain data — mappings, sequences, strings, safe integers,
// booleans, null — and decides each string by yaml's own rules and its schema's own
// tag patterns. Anything it cannot match exactly (a string yaml would escape, fold or
// quote other than in plain double quotes, a float, an object used twice, which yaml
// would anchor) sends the whole document through yaml itself.
import { Document, stringify } from 'yaml';

export interface YamlTextOptions {
  /** '1.1' for readers with YAML 1.1 scalars (go-yaml in kubeadm), where a bare yes or on is a boolean. */
  version?: '1.1' | '1.2';
  /** Multi-line strings as literal blocks; at lineWidth 0 yaml writes literal blocks either way. */
  blockQuote?: 'literal';
}

const STRING_TAG = 'tag:yaml.org,2002:str';
const INDENT_STEP = '  ';
// yaml's test for strings that cannot be plain (stringifyString.ts, plainString).
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
// Characters yaml writes only as double-quoted escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ESCAPED = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
// yaml turns a key longer than 1024 characters (quotes included) into an explicit `? key`.
const MAX_IMPLICIT_KEY = 1000;
// One-line strings already decided, per YAML version: keys and most values repeat across
// a fleet's documents, and a node's name and address across its own few documents. Two
// generations of this many each: when the newer is full it becomes the older, so the
// strings a fleet repeats stay, and each node's own ones stay while its documents render.
const GENERATION_SIZE = 4096;

/** How one-line strings render under one YAML version's schema. */
class LineStyle {
  #recent = new Map<string, string>();
  #older = new Map<string, string>();
  readonly #retyped: RegExp[];
  readonly #claimed: Array<(value: unknown) => boolean>;

  constructor(version: '1.1' | '1.2') {
    const { tags, compat } = new Document(null, { version }).schema;
    const others = [...tags, ...(compat ?? [])].filter((tag) => tag.tag !== STRING_TAG);
    // The patterns yaml checks before it writes a string plain: those of every other type
    // it would read the text back as (numbers, booleans, null; in 1.1 also yes/no, 0777, 12:30).
    this.#retyped = others.flatMap((tag) => (tag.default && 'test' in tag && tag.test ? [tag.test] : []));
    // Strings another type takes over when writing (1.1's merge key `<<`).
    this.#claimed = others.flatMap((tag) => (tag.identify ? [tag.identify] : []));
  }

  /** Plain when it reads back as itself, else in double quotes; keys and values alike. */
  render(text: string): string {
    const recent = this.#recent.get(text);
    if (recent !== undefined) return recent;
    const older = this.#older.get(text);
    if (older !== undefined) {
      this.#remember(text, older);
      return older;
    }
    if (ESCAPED.test(text) || this.#claimed.some((identify) => identify(text))) throw new Unsupported();
    let rendered = text;
    if (NOT_PLAIN.test(text) || this.#retyped.some((pattern) => pattern.test(text))) {
      rendered = JSON.stringify(text);
      if (rendered.includes('\\')) throw new Unsupported();
    } else if (DOCUMENT_MARKER.test(text)) {
      throw new Unsupported();
    }
    this.#remember(text, rendered);
    return rendered;
  }

  #remember(text: string, rendered: string): void {
    if (this.#recent.size >= GENERATION_SIZE) {
      this.#older = this.#recent;
      this.#recent = new Map();
    }
    this.#recent.set(text, rendered);
  }
}

const lineStyles = new Map<string, LineStyle>();

function lineStyle(version: '1.1' | '1.2'): LineStyle {
  let style = lineStyles.get(version);
  if (!style) {
    style = new LineStyle(version);
    lineStyles.set(version, style);
  }
  return style;
}

class Unsupported extends Error {}

class Writer {
  readonly #seen = new Set<object>();

  constructor(private readonly lines: LineStyle) {}

  document(value: unknown): string {
    if (!Array.isArray(value) && !isPlainObject(value)) throw new Unsupported();
    return `${this.node(value, '')}\n`;
  }

  private node(value: unknown, indent: string): string {
    switch (typeof value) {
      case 'string':
        return value.includes('\n') ? this.block(value, indent) : this.lines.render(value);
      case 'number':
        if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw new Unsupported();
        return String(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        if (value === null) return 'null';
        if (Array.isArray(value)) return this.sequence(value, indent);
        if (isPlainObject(value)) return this.mapping(value, indent);
        throw new Unsupported();
      default:
        throw new Unsupported();
    }
  }

  private enter(value: object): void {
    const seen = this.#seen.size;
    if (this.#seen.add(value).size === seen) throw new Unsupported();
  }

  private sequence(items: readonly unknown[], indent: string): string {
    this.enter(items);
    if (items.length === 0) return '[]';
    const itemIndent = indent + INDENT_STEP;
    let text = '';
    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      if (item === undefined) throw new Unsupported();
      text += `${index === 0 ? '' : `\n${indent}`}- ${this.node(item, itemIndent)}`;
    }
    return text;
  }

  private mapping(value: Record<string, unknown>, indent: string): string {
    this.enter(value);
    const valueIndent = indent + INDENT_STEP;
    let text = '';
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      if (key.includes('\n') || key.length > MAX_IMPLICIT_KEY) throw new Unsupported();
      const rendered = this.node(item, valueIndent);
      const nested = item !== null && typeof item === 'object' && rendered !== '[]' && rendered !== '{}';
      text += `${text === '' ? '' : `\n${indent}`}${this.lines.render(key)}:${nested ? `\n${valueIndent}` : ' '}${rendered}`;
    }
    return text === '' ? '{}' : text;
  }

  /** A multi-line string as a literal block: `|` keeps one final line break, `|-` none. */
  private block(text: string, indent: string): string {
    if (indent === '' || ESCAPED.test(text)) throw new Unsupported();
    // yaml marks leading spaces with an indentation digit and keeps extra final line breaks
    // with `|+`; left to it.
    if (text[0] === ' ' || text[0] === '\n') throw new Unsupported();
    let endStart = text.length;
    while (endStart > 0 && ' \t\n'.includes(text[endStart - 1]!)) endStart--;
    const end = text.slice(endStart);
    if (end !== '' && end !== '\n') throw new Unsupported();
    const clip = end === '\n';
    const body = clip ? text.slice(0, -1) : text;
    return `|${clip ? '' : '-'}\n${indent}${indentLines(body, indent)}`;
  }
}

/**
 * `indent` after each run of line breaks, so empty lines stay empty as yaml writes them. A
 * loop rather than a replace with a pattern: bundles of a fleet are indented thousands of
 * times, and this is several times faster.
 */
function indentLines(text: string, indent: string): string {
  let indented = '';
  let start = 0;
  for (;;) {
    const lineBreak = text.indexOf('\n', start);
    if (lineBreak === -1) return indented + text.slice(start);
    let end = lineBreak + 1;
    while (text.charCodeAt(end) === 10) end++;
    indented += text.slice(start, end) + indent;
    start = end;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The fast path alone: the text, or undefined where only yaml itself can say. For tests and measurements. */
export function fastYaml(value: unknown, options: YamlTextOptions = {}): string | undefined {
  try {
    return new Writer(lineStyle(options.version ?? '1.2')).document(value);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/** `value` as one YAML document, exactly as yaml's stringify writes it with lineWidth 0. */
export function stringifyYaml(value: unknown, options: YamlTextOptions = {}): string {
  return fastYaml(value, options) ?? stringify(value, { ...options, lineWidth: 0 });
}
