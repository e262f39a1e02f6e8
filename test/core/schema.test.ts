import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatError, formatProblem, KubeseedError, type Problem } from '../../core/errors.ts';
import {
  boolean,
  type Infer,
  integer,
  list,
  map,
  object,
  oneOf,
  ProblemSink,
  readDocument,
  type Schema,
  string,
} from '../../core/schema.ts';
import { readYaml } from '../../core/yaml-source.ts';

const test = suite('declarations: one source for the reader and the type');

const server = object({
  name: string({ pattern: /^[a-z]+$/, expected: 'lowercase letters' }),
  port: integer({ min: 1, max: 65535 }).default(443),
  tls: boolean().orAbsent(),
  mode: oneOf(['fast', 'safe']).default('safe'),
  tags: list(string()).default([]),
  labels: map(string(), { key: (key) => (key.includes(' ') ? 'keys have no spaces' : undefined) }).orAbsent(),
  password: string({ pattern: /^.{12,}$/, expected: 'at least 12 characters' })
    .secret()
    .orAbsent(),
});

// Compile-time: the type follows the declaration (required, defaulted, optional fields).
type Server = Infer<typeof server>;
const typed: Server = { name: 'a', port: 1, mode: 'fast', tags: [] };
const sameType: Infer<Schema<Server>> = typed;

function read<T>(schema: Schema<T, boolean>, value: unknown): { value: T | undefined; problems: Problem[] } {
  const sink = new ProblemSink();
  return { value: readDocument(schema, value, sink), problems: sink.problems };
}

const messages = (problems: readonly Problem[]) => problems.map((problem) => `${problem.path}: ${problem.message}`);

test('defaults fill what is left out; optional fields stay out of the result', () => {
  assert.equal(sameType, typed);
  assert.equal(read(server, { name: 'web' }), {
    value: { name: 'web', port: 443, mode: 'safe', tags: [] },
    problems: [],
  });
});

test("YAML's empty value counts as absent, like a missing key", () => {
  const source = readYaml('name: web\nport:\ntls:\n');
  assert.equal(readDocument(server, source.value, source.sink!), { name: 'web', port: 443, mode: 'safe', tags: [] });
  assert.equal(messages(read(server, { name: null }).problems), ['name: is required']);
});

test('every problem at once, every unknown key named, in document order', () => {
  const { value, problems } = read(server, {
    nmae: 'web',
    port: 70000,
    tls: 'yes',
    mode: 'turbo',
    tags: ['a', 3],
    labels: { 'a b': 'x' },
    extra: 1,
  });
  assert.is(value, undefined);
  assert.equal(messages(problems), [
    'nmae: unknown field; expected one of: name, port, tls, mode, tags, labels, password',
    'extra: unknown field; expected one of: name, port, tls, mode, tags, labels, password',
    'name: is required',
    'port: 70000 is out of range 1–65535',
    'tls: must be true or false, not string "yes"',
    'mode: "turbo" is not supported; expected one of: fast, safe',
    'tags[1]: must be a string, not number 3',
    'labels.a b: keys have no spaces',
  ]);
});

test('a secret is never quoted back, whatever check fails', () => {
  const secret = 'hunter2-is-not-long';
  const short = read(server, { name: 'web', password: 'hunter2' }).problems;
  assert.equal(messages(short), ['password: is not valid; expected at least 12 characters']);
  const keys = read(object({ key: oneOf(['a']).secret() }), { key: secret }).problems;
  assert.equal(messages(keys), ['key: a string is not supported; expected one of: a']);
  const wrongType = read(object({ key: string().secret() }), { key: 12345 }).problems;
  assert.equal(messages(wrongType), ['key: must be a string, not number']);
  assert.not.match(JSON.stringify([short, keys, wrongType]), /hunter2|12345/);
});

test('checks run on checked values and can fail at a sub-path; map converts', () => {
  const range = object({ from: integer(), to: integer() })
    .check((value, at) => (value.from > value.to ? at.child('to').fail('is before from') : undefined))
    .map((value) => value.to - value.from);
  assert.equal(read(range, { from: 1, to: 3 }), { value: 2, problems: [] });
  assert.equal(messages(read(range, { from: 3, to: 1 }).problems), ['to: is before from']);
  // A check never sees a value that failed its declaration.
  assert.equal(messages(read(range, { from: 'x', to: 1 }).problems), ['from: must be an integer, not string "x"']);
});

test('a default is read like a written value, so it is checked and converted too', () => {
  const seconds = string()
    .map((text, at) => (/^\d+s$/.test(text) ? Number.parseInt(text, 10) : at.fail('is not a duration')))
    .default('30s');
  assert.equal(read(object({ timeout: seconds }), {}).value, { timeout: 30 });
});

test('unknown fields may be let through for documents others extend', () => {
  const descriptor = object({ digest: string() }, { unknownFields: 'ignore' });
  assert.equal(read(descriptor, { digest: 'd', annotations: { a: 'b' } }), { value: { digest: 'd' }, problems: [] });
});

test('in a file, problems and warnings carry file:line:col', () => {
  const source = readYaml('server:\n  name: Web\n  port: 8080\n', 'servers.yaml');
  const sink = source.sink!;
  readDocument(object({ server }), source.value, sink);
  sink.warn(['server', 'port'], 'is not the usual 443');
  assert.equal(sink.problems, [
    {
      file: 'servers.yaml',
      line: 2,
      column: 9,
      path: 'server.name',
      message: '"Web" is not valid; expected lowercase letters',
    },
  ]);
  assert.is(
    formatProblem(sink.problems[0]!),
    'servers.yaml:2:9: server.name: "Web" is not valid; expected lowercase letters',
  );
  assert.is(formatProblem(sink.warnings[0]!), 'servers.yaml:3:9: warning: server.port: is not the usual 443');
  const syntax = readYaml('a: [1\n', 'broken.yaml').syntaxProblems!;
  assert.match(formatProblem(syntax[0]!), /^broken\.yaml:\d+:\d+: \S/);
});

test('an error puts each problem in a file at the start of its line, the form editors jump to', () => {
  const error = new KubeseedError('invalid-spec', 'cluster.yaml: the cluster spec has 2 problems', [
    { file: 'cluster.yaml', line: 12, column: 5, path: 'nodes[2].name', message: 'is required' },
    { path: 'token', message: 'is malformed' },
  ]);
  assert.is(
    formatError(error),
    'cluster.yaml: the cluster spec has 2 problems\ncluster.yaml:12:5: nodes[2].name: is required\n  token: is malformed',
  );
});

test.run();
