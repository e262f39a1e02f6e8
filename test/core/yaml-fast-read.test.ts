// The fast YAML reader for checked documents (cluster.yaml): for every document it
// accepts, exactly the value the `yaml` library's reading gives (and only documents the
// `yaml` library accepts); every construct where js-yaml and the `yaml` library differ is
// declined. And checkYaml: problems and warnings keep their file:line:col.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fleetSpec } from '../../bench/fleet.ts';
import { formatProblem } from '../../core/errors.ts';
import { integer, object, type ProblemSink, readDocument, string } from '../../core/schema.ts';
import { checkYaml } from '../../core/yaml-check.ts';
import { readYamlFast } from '../../core/yaml-fast-read.ts';
import { readYaml } from '../../core/yaml-source.ts';

const test = suite('fast YAML reader: the yaml library’s value, or none');

// The `yaml` library warns (process warnings) when it stringifies a collection key.
process.removeAllListeners('warning');

/** The `yaml` library's reading: the value, or undefined for a syntax error. */
function slowValue(text: string): { value: unknown } | undefined {
  try {
    const source = readYaml(text);
    return source.syntaxProblems ? undefined : { value: source.value };
  } catch {
    // An alias to no anchor throws from toJS rather than being a syntax problem.
    return undefined;
  }
}

/** A mismatch: the fast reader accepted what the yaml library rejects, or read it differently. */
function mismatch(text: string): string | undefined {
  const fast = readYamlFast(text);
  if (!fast) return undefined;
  const slow = slowValue(text);
  if (!slow) return `${JSON.stringify(text)}: accepted, the yaml library rejects it`;
  // Key order too: a label map is written back in the order it was read.
  if (!isDeepStrictEqual(fast.value, slow.value) || JSON.stringify(fast.value) !== JSON.stringify(slow.value)) {
    return `${JSON.stringify(text)}: ${JSON.stringify(fast.value)}, the yaml library ${JSON.stringify(slow.value)}`;
  }
  return undefined;
}

const SCALARS = [
  ...['', '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE'],
  ...['yes', 'no', 'on', 'off', 'y', 'n', '0', '-0', '+0', '007', '+12', '-12', '12345678901234567890'],
  ...['0o17', '0o18', '-0o17', '+0o17', '0O17', '0x1F', '0x1f', '-0x10', '+0x10', '0X1F', '0xG', '0b11', '0b2'],
  ...['1_000', '1,000', '1.5', '-1.5', '+1.5', '.5', '-.5', '+.5', '1.', '-1.', '1.0', '1.50', '1e3', '1E3'],
  ...['1e+3', '1e-3', '-1.5e3', '.5e3', '1.e3', '1.5e', 'e3', '1e', '0.1e-0', '0.', '00.5', '0x', '0o', '1__2'],
  ...['.inf', '-.inf', '+.inf', '.Inf', '.INF', '.iNF', '.nan', '.NaN', '.NAN', '-.nan', '+.nan', 'inf', 'nan'],
  ...['.', '-', '+', '--1', '1-1', '1.2.3', '1:2', '1:20:30', '12:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00'],
  ...['"quoted"', "'single'", "'it''s'", '"a\\nb"', '"tab\\there"', '"\\x41\\u263A\\U0001F600"', '"\\N\\_\\L\\P"'],
  ...['"\\/"', '"\\ "', '"\\0"', '"esc \\"q\\""', '"123"', "'true'", '"null"', '"~"', '""', "''", '"\\u00e9"'],
  ...['plain text', 'a#b', 'a # comment', 'with: colon', 'http://example.com/a?b=c&d=*e!', '-dash', '--x', 'a-'],
  ...['key:value', 'x: y', '@at', '`back', '%pct', '!bang', '&amp', '*star', '? q', '?q', '|', '>', '[', ']', '{'],
  ...['}', '"multi\n  line"', "'multi\n\n  para'", '"escaped \\\n  break"', 'é ü 日本', '10.0.0.1', '10.0.0.0/8'],
  ...['::1', '"::1"', 'fe80::1', 'sha256:0a0b', 'node-role.kubernetes.io/control-plane', 'a\tb', '"\\t"'],
];

const DOCUMENTS = [
  ...['', '# only a comment\n', '---\n', '---\n...\n', '...\n', '--- a\n', '--- |\n  text\n', 'a: 1\n---\nb: 2\n'],
  ...['a: 1\n...\n', 'a: 1\n...\n# trailing\n', '---\na: 1\n', '--- # c\na: 1\n', '\ufeffa: 1\n', 'a: 1\r\nb: 2\r\n'],
  ...[
    '\ufeff- a: 1\n',
    'a: 1',
    'a:\n',
    'a:\nb:\n',
    'a: \nb: ~\n',
    'a:\n  - \n  - x\n',
    '- \n- ~\n-\n',
    'a: {}\nb: []\n',
    'a: {b}\n',
  ],
  ...['a: {b, c: d}\n', '[a, b, ]\n', '{a: 1, }\n', '{a: 1,, }\n', 'a: [1, [2, [3]], {b: [4]}]\n', '- - a\n  - b\n'],
  ...['- a: 1\n  b: 2\n- c: 3\n', 'a:\n- 1\n- 2\n', 'a:\n  b:\n    c: d\n', 'a: b\n  c: d\n', 'a: b: c\n', 'a:\t1\n'],
  ...[
    'a:\n\tb: 1\n',
    'a: 1 \t\n',
    '\ta: 1\n',
    '  a: 1\n  b: 2\n',
    '  a: 1\n b: 2\n',
    'a: 1\n  \n',
    'a: 1 # c\n#c\n\n\nb: 2\n',
  ],
  // Block scalars: chomping, indentation indicators, blank and more-indented lines.
  ...['a: |\n  line1\n  line2\n', 'a: |-\n  line1\n\n', 'a: |+\n  line1\n\n\n', 'a: >\n  folded\n  text\n\n  para\n'],
  ...['a: >-\n  x\n    more\n  y\n', 'a: |2\n    indented\n', 'a: |\n\n  leading blank\n', 'a: >\n  \n  x\n'],
  ...['a: |\n  # not a comment\n', 'a: |\n  x\nb: 1\n', 'a: >+\n  x\n\nb: 1\n', 'a: |1\n  two\n', 'a: |0\n x\n'],
  ...['a: |\n text\n  more\n', 'a: | # c\n  x\n', 'a: >-\n\n  x\n', 'a: |\n  -\n  ---\n'],
  // Plain and quoted scalars over several lines, comments, document markers in text.
  ...[
    'a: multi\n  line\n  plain\n',
    'a: multi\n\n  para\n',
    '- multi\n  line\n',
    'a: x\n  # c\n  y\n',
    'a: x\n\n\n  y\n',
  ],
  ...['a: "x\n\n  y"\n', "a: 'x\n   y'\n", 'a: "x\\\n  y"\n', 'a: "\\\n"\n', 'a: "x\ny"\n', "a: 'x\ny'\n", '- "x\n"\n'],
  ...['x:\n  - [x\n   #c\n ]\n', 'a: [b\n  , c]\n', 'a: [\n  b,\n  c\n]\n', 'a: {\n  b: c\n  }\n', '{k: "\\ "}#\n'],
  ...['a: x #c\nb: y # d\n', 'a: x# not comment\n', '# c\na: 1 # c\n# c\n', '----\n...\n', '---v: 1\n', '---[1]\n'],
  ...['a: "  spaced  "\n', "a: '  spaced  '\n", 'a:    spaced   \n', "a: ''''\n", '- "a"\n- \'b\'\n- c\n'],
  ...['-\n  a: 1\n', '- # c\n  a: 1\n', '-   a: 1\n    b: 2\n', '- - - x\n', 'a: -\n', 'a: - \n', '- -\n'],
  // Empty entries of nested sequences: js-yaml moves the next entry inside.
  ...['- - \n- b\n', '- - a\n  - \n- b\n', 'a:\n  - - \n  - b\n', '- a:\n    - \n- b\n', '- a: \n- b\n'],
  // Duplicate keys, null keys, collection keys, explicit keys, merge keys.
  ...[
    'a: 1\na: 2\n',
    'a: 1\n"a": 2\n',
    '1: a\n"1": b\n',
    'a: {b: 1, b: 2}\n',
    '{a: 1, a: 2}\n',
    'x:\n  a: 1\n  a: 1\n',
  ],
  ...['null: 1\n~: 2\n', '~: a\n', 'null: a\n', 'NULL: a\n', ': a\n', '{: a}\n', '{~: a}\n', '"null": a\n', "'': a\n"],
  ...['"": a\n', '? a\n: b\n', '? [1]\n: 2\n', '{? [1]: 2}\n', '[1]: 2\n', '{a: 1}: 2\n', '[[1]: 2]\n', '{[1]: 2}\n'],
  ...['[a, b]: c\n', '{a: [b]}: c\n', 'a: [x: 1]\n', 'a: [x: 1, y]\n', 'a: [? x : 1]\n', '? |\n  block key\n: v\n'],
  ...['? \n: v\n', '[a:b]\n', '{a:b}\n', '{"a":b}\n', '{"a":1,"b":[true,null]}\n', '["a":1]\n', '<<: {a: 1}\n'],
  ...['__proto__: {a: 1}\n', 'toString: 1\nconstructor: 2\nhasOwnProperty: 3\n', 'key with spaces: v\n'],
  // Tags, anchors, aliases, directives.
  ...['a: &x 1\nb: *x\n', 'b: *x\n', '<<: *x\n', '&a a: b\n', 'a: !!str 1\n', 'a: !!int "1"\n', 'a: !!float 1\n'],
  ...['a: ! 12\n', 'a: ! [1]\n', 'a: !local x\n', 'a: !<tag:yaml.org,2002:str> 1\n', 'a: !<?> 1\n', '!!map {a: 1}\n'],
  ...[
    '--- !!set\n? a\n',
    '%YAML 1.1\n---\na: yes\n',
    '%YAML 1.2\n---\na: 1\n',
    '%TAG !e! tag:e.com,2000:\n---\na: !e!x 1\n',
  ],
  // Broken or odd input.
  ...['a: [1, 2\n', 'a: {b: 1\n', 'a: "unterminated\n', "a: 'x\n", '- a\nb: 1\n', 'a: 1\n- b\n', 'a:\n  - b\n  c: d\n'],
  ...['a: [b, c]d\n', 'a: "x" y\n', 'a: @x\n', 'a: `x\n', 'a: %x\n', 'a: x\n b: y\n', 'a:\n b: 1\n  c: 2\n'],
  ...[
    'a: \u0007\n',
    'a: "\u0007"\n',
    'a: "\\a"\n',
    'a: \u00a0x\n',
    'a:\u00a0x\n',
    'a: 1\r\nb: 2\r',
    'a: x\n\u2028b: y\n',
  ],
  ...['a: "x\u2028y"\n', 'a: x\u0085y\n', 'a: "a\\x"\n', 'a: "\\u12"\n', '"a\n b": c\n', 'a\n b: c\n'],
  ...[`${'k'.repeat(1030)}: v\n`, `"${'k'.repeat(1030)}": v\n`, `k: ${'v'.repeat(1030)}\n`],
  ...['{{k:o}}\n', '{[]}\n', '{[a, b]}\n', 'x: {a, {b: 1}}\n', 'x: {a, [b]}\n', '{a: {b: 1}}\n', '{a:[1]}\n'],
  ...['[{a: 1}, [2]]\n', '- {a: [b, {c: d}]}\n', '- "\\U0060F600"\n', 'a: |2\n    \n', 'a: |\n  x\n    \n'],
  ...['---\u00a0v: 1\n', 'a: |\n   \n # \n', 'a0: |\r\n\r\n   \r\n # \r\n', 'a: |\n  x\n   \r\n  y\n'],
  'a: |+\n  line1\n\n\n\n  ',
  // Label maps with odd keys.
  'labels:\n  kubernetes.io/role: x\n  "a b": c\n  a.b/c-d_e: f\n  1: x\n  true: y\n  0x1F: z\n  1.50: w\n  .inf: v\n  -0: u\n  "": t\n  "#x": s\n  x#y: r\n',
];

/** Each scalar as a value, a key, a list item, in a flow mapping and a flow list. */
const PLACED = SCALARS.flatMap((scalar) => [
  `v: ${scalar}\n`,
  `${scalar}: v\n`,
  `- ${scalar}\n`,
  `{k: ${scalar}}\n`,
  `[${scalar}]\n`,
  `x:\n  - a: ${scalar}\n`,
]);

/** Quoted scalars and flow collections over several lines, at every indentation. */
const CONTINUED = [
  '"x\\\n"',
  '"x\n"',
  '"x\ny"',
  "'x\ny'",
  'x\ny',
  '"x\n\ny"',
  "'x\n\n'",
  '"\\\n"',
  'x\n#c\ny',
  '[a,\nb]',
].flatMap((body) =>
  ['', ' ', '  ', '   ', '    '].flatMap((indent) => {
    const text = body.replaceAll('\n', `\n${indent}`);
    return [
      `a: ${text}\n`,
      `- ${text}\n`,
      `x:\n  a: ${text}\n`,
      `x:\n  - ${text}\n`,
      `- a: ${text}\n`,
      `x: [${text}]\n`,
    ];
  }),
);

const EXAMPLE = readFileSync(new URL('../../examples/cluster.yaml', import.meta.url), 'utf8');

test('every document of the corpus is declined or read exactly as the yaml library reads it', () => {
  const corpus = [...DOCUMENTS, ...PLACED, ...CONTINUED, EXAMPLE];
  const mismatches = corpus.map(mismatch).filter((found) => found !== undefined);
  assert.equal(mismatches, []);
  // The comparison is not empty: most of the corpus is read the fast way.
  assert.ok(corpus.filter((text) => readYamlFast(text)).length > corpus.length / 2);
});

test('random edits of the corpus (YAML indicators, spaces, line breaks) never read differently', () => {
  const seeds = [...DOCUMENTS, ...PLACED, ...CONTINUED, EXAMPLE];
  const pieces = [' ', '  ', '\n', '\n  ', '\t', ':', ': ', '-', '- ', '#', ' #', '"', "'", '\\', '[', ']', '{', '}'];
  pieces.push(',', '?', '!', '&', '*', '|', '>', '%', '@', '`', '~', '0', '1', '.', 'e', 'x', 'o', 'null', '---');
  pieces.push('...', '\r\n', '\r', '\u00a0', '\ufeff', '\u2028', '\u0085');
  // mulberry32, seeded: the same edits on every run.
  let state = 20261201;
  const random = (below: number) => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) % below;
  };
  const mismatches: string[] = [];
  let accepted = 0;
  for (let run = 0; run < 6000; run++) {
    let text = seeds[random(seeds.length)]!;
    for (let edit = random(4); edit >= 0; edit--) {
      const at = random(text.length + 1);
      const kind = random(3);
      if (kind === 0) text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
      else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + random(3));
      else text = text.slice(0, at) + text.slice(random(at + 1), at) + text.slice(at);
    }
    if (readYamlFast(text)) accepted++;
    const found = mismatch(text);
    if (found) mismatches.push(found);
  }
  assert.equal(mismatches, []);
  assert.ok(accepted > 1000, `only ${accepted} edited documents were read the fast way`);
});

test('the core schema: numbers in every form, booleans and nulls as the yaml library resolves them', () => {
  const read = (scalar: string) => (readYamlFast(`v: ${scalar}\n`)?.value as { v: unknown } | undefined)?.v;
  const expected: Array<[string, unknown]> = [
    ['0o17', 15],
    ['0x1F', 31],
    ['-0x10', '-0x10'],
    ['+0x10', '+0x10'],
    ['0b11', '0b11'],
    ['-.5', -0.5],
    ['+12', 12],
    ['1e3', 1000],
    ['1.', 1],
    ['-.inf', Number.NEGATIVE_INFINITY],
    ['.NaN', Number.NaN],
    ['True', true],
    ['FALSE', false],
    ['yes', 'yes'],
    ['~', null],
    ['', null],
    ['"0x1F"', '0x1F'],
    ['1.2.3', '1.2.3'],
  ];
  for (const [scalar, value] of expected)
    assert.ok(Object.is(read(scalar), value), `${scalar}: ${String(read(scalar))}`);
  assert.ok(Object.is(read('-0'), -0));
});

test('declined: tags, anchors, aliases, merge keys, null keys, explicit and collection keys, directives', () => {
  const declined = ['a: !!float 1\n', 'a: ! 12\n', 'a: &x 1\nb: *x\n', '<<: {a: 1}\n', '~: a\n', 'null: a\n', ': a\n'];
  declined.push('{~: a}\n', '? a\n: b\n', '{? [1]: 2}\n', '[1]: 2\n', '{[1]: 2}\n', '%YAML 1.1\n---\na: yes\n');
  declined.push('a: 1\na: 2\n', 'a: [1, 2\n', '- - \n- b\n');
  assert.equal(
    declined.filter((text) => readYamlFast(text) !== undefined),
    [],
  );
});

test('a fleet spec and the example are read the fast way', () => {
  const fleet = fleetSpec(200);
  assert.equal(readYamlFast(fleet), slowValue(fleet));
  assert.equal(readYamlFast(EXAMPLE), slowValue(EXAMPLE));
});

const check = object({ name: string({ pattern: /^[a-z]+$/, expected: 'lowercase letters' }), port: integer() });
const readServer = (value: unknown, sink: ProblemSink) => readDocument(object({ server: check }), value, sink);

test('checkYaml: a valid document gives its value and no problem', async () => {
  const checked = await checkYaml('server:\n  name: web\n  port: 0x1F\n', 'servers.yaml', readServer);
  assert.equal(checked.result, { server: { name: 'web', port: 31 } });
  assert.equal([checked.sink?.problems, checked.sink?.warnings], [[], []]);
});

test('checkYaml: problems and warnings of a document the fast reader accepted keep file:line:col', async () => {
  const text = 'server:\n  name: Web\n  port: 8080\n';
  assert.ok(readYamlFast(text));
  const checked = await checkYaml(text, 'servers.yaml', (value, sink) => {
    const result = readServer(value, sink);
    sink.warn(['server', 'port'], 'is not the usual 443');
    return result;
  });
  assert.equal(checked.sink?.problems.map(formatProblem), [
    'servers.yaml:2:9: server.name: "Web" is not valid; expected lowercase letters',
  ]);
  assert.equal(checked.sink?.warnings.map(formatProblem), [
    'servers.yaml:3:9: warning: server.port: is not the usual 443',
  ]);
  const warned = await checkYaml('server:\n  name: web\n  port: 8080\n', 'servers.yaml', (value, sink) => {
    sink.warn(['server', 'port'], 'is not the usual 443');
    return readServer(value, sink);
  });
  assert.equal(warned.result, { server: { name: 'web', port: 8080 } });
  assert.equal(warned.sink?.warnings.map(formatProblem), [
    'servers.yaml:3:9: warning: server.port: is not the usual 443',
  ]);
});

test('checkYaml: a duplicate key and broken syntax are syntax problems with their position', async () => {
  const duplicate = await checkYaml('server:\n  name: web\n  name: api\n', 'servers.yaml', readServer);
  assert.equal(duplicate.syntaxProblems?.map(formatProblem), ['servers.yaml:3:3: Map keys must be unique']);
  const broken = await checkYaml('server: [1\n', 'broken.yaml', readServer);
  assert.match(formatProblem(broken.syntaxProblems![0]!), /^broken\.yaml:\d+:\d+: \S/);
});

test('checkYaml: a declined document (an anchor) is read and checked by the yaml library', async () => {
  const checked = await checkYaml('server: &s\n  name: web\n  port: 1\n', 'servers.yaml', readServer);
  assert.equal(checked.result, { server: { name: 'web', port: 1 } });
});

test.run();
