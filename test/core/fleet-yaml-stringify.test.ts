// The fast YAML writer generate uses for every bundle, user-data and kubeadm config: byte
// for byte what the yaml library writes (lineWidth 0), and read back by yaml as the same
// value, for strings in every position that a fleet's documents (or a hostile label)
// could hold. Where it cannot match yaml it must say so, and stringifyYaml then uses yaml.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { fastYaml, stringifyYaml, type YamlTextOptions } from '../../core/yaml-stringify.ts';

const test = suite('fleet: fast YAML text equals yaml.stringify');

// Strings yaml writes plain, double-quoted, as literal blocks, or only by its own rules.
const STRINGS = [
  ...['', ' ', 'a', 'worker-7', 'root:root', 'unix:///var/run/containerd/containerd.sock', 'https://a.b/c?d=e#f'],
  ...['10.0.0.1', 'fd00::1', '2001:db8::1', '::1', 'sha256:ab', 'node-role.kubernetes.io/worker', 'H4sIAAAA+/=='],
  ...['true', 'True', 'FALSE', 'yes', 'Yes', 'on', 'ON', 'off', 'y', 'n', 'N', 'null', 'Null', '~'],
  ...['1', '-1', '+1', '0600', '0o7', '0x1F', '0b101', '1_000', '1.0', '.5', '1e3', '1.2.3.4', '12:30', '12:30:45'],
  ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '.inf', '-.inf', '.nan', '-', '--', '---', '---x', '...'],
  ...['?', '? x', '-x', '- x', ':', ':x', 'x:', 'a: b', 'a:b', 'a #b', 'a#b', '#a', '%x', '@x', '`x', '!x', '&x'],
  ...['*x', '|x', '>x', "'x", '"x', 'x"', "it's", 'say "hi"', `both ' and "`, 'back\\slash', 'tab\there', '=', '<<'],
  ...['ctrl\x01', 'del\x7f', 'é', '日本', 'x\u2028y', '[x', 'x]', '{x', 'x,y', 'x, y', 'a b', ' lead', 'trail '],
  ...['x\ny', 'x\n', 'x\n\n', '\nx', ' x\ny', 'x\n y', 'x \ny', 'x\n\ny\n', 'x\t\n', 'x\n \n', 'x\ny ', '---\nx\n'],
  ...['a\r\nb', 'k'.repeat(1100), 'v '.repeat(100), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
];

const OPTIONS: YamlTextOptions[] = [{}, { blockQuote: 'literal' }, { version: '1.1' }];

function placements(text: string): unknown[] {
  return [
    { key: text },
    { [text]: 'value' },
    [text],
    { list: [text, { nested: text }], map: { deeper: [[text]] } },
    { a: { b: { c: text } }, after: 1 },
  ];
}

function yamlOf(value: unknown, options: YamlTextOptions): string {
  return stringify(value, { ...options, lineWidth: 0 });
}

test('every string in every position: the same bytes as yaml; what the fast path writes reads back as the same value', () => {
  let fast = 0;
  for (const options of OPTIONS) {
    for (const text of STRINGS) {
      for (const value of placements(text)) {
        const expected = yamlOf(value, options);
        const written = fastYaml(value, options);
        if (written !== undefined) {
          fast++;
          assert.is(written, expected, `${JSON.stringify(value).slice(0, 80)} ${JSON.stringify(options)}`);
          assert.equal(parse(written, options), value);
        }
        assert.is(stringifyYaml(value, options), expected);
      }
    }
  }
  // Most of them take the fast path; the rest are yaml's own escapes and block styles.
  assert.ok(fast > STRINGS.length * placements('').length * OPTIONS.length * 0.8, `${fast} fast`);
});

test('the strings a fleet writes take the fast path: plain, double-quoted, literal blocks', () => {
  const document = {
    hostname: 'worker-7',
    write_files: [{ path: '/etc/kubeseed/node.yaml', owner: 'root:root', permissions: '0600', content: 'H4sI' }],
    runcmd: [['systemctl', 'start', '--no-block', 'kubeseed-boot.service']],
    config: 'apiVersion: v1\nkind: Config\n',
    strip: 'no final newline\nhere',
  };
  const written = fastYaml(document, { blockQuote: 'literal' });
  assert.ok(written, 'fast path taken');
  assert.is(written, yamlOf(document, { blockQuote: 'literal' }));
  assert.match(written!, /permissions: "0600"\n/);
  assert.match(written!, /config: \|\n {2}apiVersion: v1\n {2}kind: Config\n/);
  assert.match(written!, /strip: \|-\n/);
});

test('past the remembered strings of a fleet (tens of thousands of names), every string still renders as yaml writes it', () => {
  // Enough distinct names to turn over the remembered strings several times, between
  // renders of strings each version quotes differently.
  const names = Array.from({ length: 20_000 }, (_, index) => `worker-${index}`);
  for (const options of [{}, { version: '1.1' }] as YamlTextOptions[]) {
    for (let start = 0; start < names.length; start += 2_500) {
      for (const name of names.slice(start, start + 2_500)) fastYaml({ hostname: name }, options);
      for (const text of ['yes', 'on', '0600', 'true', 'worker-1', names[start]!, 'a: b', '12:30']) {
        const value = { [text]: text };
        assert.is(fastYaml(value, options), yamlOf(value, options), `${text} ${JSON.stringify(options)}`);
      }
    }
  }
});

test('yes and on are quoted for YAML 1.1 readers (kubeadm), plain for 1.2', () => {
  const value = { labels: { enabled: 'yes', mode: 'on' } };
  assert.is(fastYaml(value, { version: '1.1' }), 'labels:\n  enabled: "yes"\n  mode: "on"\n');
  assert.is(fastYaml(value), 'labels:\n  enabled: yes\n  mode: on\n');
});

test('scalars, empty collections and left-out fields as yaml writes them', () => {
  const value = {
    list: [],
    map: {},
    nested: [[], {}, null],
    flags: [true, false],
    numbers: [0, 2, -3, 65535],
    absent: undefined,
    inner: { absent: undefined },
  };
  const written = fastYaml(value);
  assert.ok(written);
  assert.is(written, yamlOf(value, {}));
  assert.is(fastYaml({}), '{}\n');
  assert.is(fastYaml([]), '[]\n');
});

test('what only yaml can write goes through yaml: floats, shared objects (anchors), dates, root scalars', () => {
  const shared = { x: 1 };
  const cases: unknown[] = [
    { ratio: 0.5 },
    { a: shared, b: shared },
    { at: new Date(0) },
    'text',
    42,
    { big: 2 ** 60 },
  ];
  for (const value of cases) {
    assert.is(fastYaml(value), undefined, JSON.stringify(value));
    assert.is(stringifyYaml(value), yamlOf(value, {}));
  }
  assert.match(stringifyYaml({ a: shared, b: shared }), /&a1/);
});

test.run();
