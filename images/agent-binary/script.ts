// One CommonJS file holding the agent and every dependency. Inside a single executable
// Node can only `require` its built-in modules (anything else fails with
// ERR_UNKNOWN_BUILTIN_MODULE at run time, on the machine), so the script is refused here
// if anything else is left to load.
import { isBuiltin } from 'node:module';
import { build, type Message } from 'esbuild';
import ts from 'typescript';
import { KubeseedError, type Problem } from '../../core/errors.ts';
import { packageRoot } from '../../core/package-root.ts';
import { SCRIPT_NAME } from './paths.ts';

function problemOf(message: Message): Problem {
  const where = message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column + 1}`
    : '';
  return { path: where, message: message.text };
}

// The build may run on an older Node than the one shipped: a `node:` name is a built-in of
// the shipped Node even where this one lacks it.
function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || isBuiltin(specifier);
}

/** Every `require(…)` and `import(…)` left in the script that does not name a Node built-in. */
export function loaderProblems(code: string): Problem[] {
  // A syntax tree, not a text search: strings in the script mention require() too.
  const source = ts.createSourceFile(SCRIPT_NAME, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const problems: Problem[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isLoader =
        callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require');
      const [argument] = node.arguments;
      const specifier = argument && ts.isStringLiteralLike(argument) ? argument.text : undefined;
      if (isLoader && (specifier === undefined || !isNodeBuiltin(specifier))) {
        const what =
          specifier === undefined ? 'a computed module name' : `"${specifier}", which is not built into Node`;
        problems.push({
          path: `${SCRIPT_NAME} offset ${node.getStart(source)}`,
          message: `${node.getText(source).slice(0, 80)} loads ${what}`,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

/** Compiles `entry` into one script for Node 24 and returns the code; throws when it could not run inside a SEA. */
export async function compileAgentScript(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    // Module paths in the output are relative to this: fixed, so any checkout gives the same bytes.
    absWorkingDir: packageRoot(),
    outfile: SCRIPT_NAME,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    write: false,
    logLevel: 'silent',
  }).catch((error: { errors?: Message[] }) => {
    throw new KubeseedError(
      'command-failed',
      `esbuild could not compile ${entry}`,
      (error.errors ?? []).map(problemOf),
    );
  });
  // Warnings are errors here: the ones esbuild gives for this setup (an import.meta left
  // empty in CommonJS, a require it cannot follow) each mean a failure on the machine.
  if (result.warnings.length > 0) {
    throw new KubeseedError('internal', `esbuild warned while bundling ${entry}`, result.warnings.map(problemOf));
  }
  const output = result.outputFiles[0];
  if (!output) throw new KubeseedError('internal', `esbuild wrote no output for ${entry}`);
  const problems = loaderProblems(output.text);
  if (problems.length > 0) {
    throw new KubeseedError(
      'internal',
      `the script compiled from ${entry} would load code from outside itself`,
      problems,
    );
  }
  return output.text;
}
