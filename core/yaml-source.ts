// A YAML file read for checking: its value, and where each field's value starts, so a
// problem can say `cluster.yaml:12:5:`. Syntax errors are problems of the same shape.
import { type Document, isCollection, LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import type { Problem } from './errors.ts';
import { type Locate, ProblemSink } from './schema.ts';

function locator(document: Document, lineCounter: LineCounter): Locate {
  return (path) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      const offset = depth === 0 ? document.contents?.range?.[0] : node?.range?.[0];
      if (offset !== undefined && (depth === 0 || node)) {
        const { line, col } = lineCounter.linePos(offset);
        return { line, column: col };
      }
    }
    return undefined;
  };
}

/** YAML parser errors as problems: the first line of each message, positioned. */
export function yamlProblems(errors: readonly YAMLError[], file?: string): Problem[] {
  return errors.map((error) => ({
    ...(file === undefined ? {} : { file }),
    ...(error.linePos?.[0] ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
    path: '',
    message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
  }));
}

export type YamlSource =
  | { value: unknown; sink: ProblemSink; syntaxProblems?: never }
  | { syntaxProblems: Problem[]; value?: never; sink?: never };

// The parser accepts an alias to no anchor and only the conversion to values fails, with a
// message that says neither where nor in which file.
function unresolvedAliases(document: Document, lineCounter: LineCounter, file?: string): Problem[] {
  const problems: Problem[] = [];
  visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document) !== undefined) return;
      const position = alias.range ? lineCounter.linePos(alias.range[0]) : undefined;
      problems.push({
        ...(file === undefined ? {} : { file }),
        ...(position ? { line: position.line, column: position.col } : {}),
        path: '',
        message: `alias *${alias.source} refers to no anchor before it`,
      });
    },
  });
  return problems;
}

/** Parses one YAML document; a duplicate key or an alias to no anchor is a syntax problem. */
export function readYaml(text: string, file?: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) return { syntaxProblems: yamlProblems(document.errors, file) };
  const aliases = unresolvedAliases(document, lineCounter, file);
  if (aliases.length > 0) return { syntaxProblems: aliases };
  const value = isCollection(document.contents) ? document.toJS() : document.contents?.toJSON();
  return {
    value,
    sink: new ProblemSink({ ...(file === undefined ? {} : { file }), locate: locator(document, lineCounter) }),
  };
}
