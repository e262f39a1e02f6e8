// The kubeseed command line as a user meets it: help for every command, the version, and
// usage errors that say what was probably meant in one line, exit 2, without the whole
// usage. In-process through main(argv, io), as bin/kubeseed.js calls it; the published
// entry point itself runs once as a process from the bundle `npm run build` makes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nearest } from '../../core/command-line.ts';
import { runCli } from '../helpers/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const COMMANDS = ['init', 'validate', 'generate', 'media', 'images', 'agent', 'help'];

const help = suite('kubeseed CLI: help and version');

help('--help, `help` and no arguments at all list every command on stdout, exit 0', async () => {
  for (const args of [['--help'], ['-h'], ['help'], []]) {
    const result = await runCli(args);
    assert.is(result.code, 0, args.join(' '));
    assert.is(result.stderr, '');
    assert.match(result.stdout, /^Usage: kubeseed \[options\] \[command\]/);
    for (const command of COMMANDS) assert.match(result.stdout, new RegExp(`\\n {2}${command}\\b`), command);
  }
});

help("`COMMAND --help` and `help COMMAND` print that command's options, exit 0", async () => {
  const cases: Array<[string[], RegExp[]]> = [
    [['generate'], [/^Usage: kubeseed generate \[options\]/, /-f, --file <path>/, /--platform <name>/, /aws, hetzner/]],
    [['validate'], [/^Usage: kubeseed validate \[options\]/, /-f, --file <path>/]],
    [
      ['media', 'seed'],
      [/^Usage: kubeseed media seed \[options\]/, /--node <name>/, /--from <dir>/],
    ],
    [
      ['media', 'pi'],
      [/--image <file>/, /--boot-dir <dir>/],
    ],
    [
      ['images', 'archive'],
      [/--kubernetes-version <version>/, /--arch <arches>/, /--insecure/],
    ],
    [
      ['agent', 'install'],
      [/^Usage: kubeseed agent install \[options\]/, /--root <dir>/, /--images <file>/],
    ],
    [
      ['agent', 'build'],
      [/--check-reproducible/, /--script-only/, /--no-xz/],
    ],
    [['media'], [/^Usage: kubeseed media \[options\] \[command\]/, /\n {2}seed\b/, /\n {2}pi\b/]],
  ];
  for (const [command, expected] of cases) {
    for (const args of [
      [...command, '--help'],
      ['help', ...command],
    ]) {
      if (args[0] === 'help' && command.length > 1) continue;
      const result = await runCli(args);
      assert.is(result.code, 0, args.join(' '));
      for (const pattern of expected) assert.match(result.stdout, pattern, `${args.join(' ')}: ${pattern}`);
    }
  }
  const nested = await runCli(['media', 'help', 'seed']);
  assert.is(nested.code, 0);
  assert.match(nested.stdout, /^Usage: kubeseed media seed/);
});

help('--version and -V print the package version, exit 0', async () => {
  for (const flag of ['--version', '-V']) {
    const result = await runCli([flag]);
    assert.is(result.code, 0);
    assert.is(result.stdout, `kubeseed ${VERSION}\n`);
  }
});

help.run();

const usage = suite('kubeseed CLI: usage errors are one line with the nearest match, exit 2');

usage('an unknown command names the nearest one and points at --help; nothing else', async () => {
  const cases: Array<[string[], string]> = [
    [['genrate'], "error: unknown command 'genrate' (did you mean generate?)\nRun 'kubeseed --help' for usage.\n"],
    [['gen'], "error: unknown command 'gen' (did you mean generate?)\nRun 'kubeseed --help' for usage.\n"],
    [['vaildate'], "error: unknown command 'vaildate' (did you mean validate?)\nRun 'kubeseed --help' for usage.\n"],
    [['frobnicate'], "error: unknown command 'frobnicate'\nRun 'kubeseed --help' for usage.\n"],
    // Not the names of object properties: the dispatch tables once answered these with exit 0.
    [['constructor'], "error: unknown command 'constructor'\nRun 'kubeseed --help' for usage.\n"],
    [['toString'], "error: unknown command 'toString'\nRun 'kubeseed --help' for usage.\n"],
    [['images', 'toString'], "error: unknown command 'toString'\nRun 'kubeseed images --help' for usage.\n"],
    [
      ['images', 'archve'],
      "error: unknown command 'archve' (did you mean archive?)\nRun 'kubeseed images --help' for usage.\n",
    ],
  ];
  for (const [args, stderr] of cases) {
    const result = await runCli(args);
    assert.is(result.code, 2, args.join(' '));
    assert.is(result.stderr, stderr);
    assert.is(result.stdout, '');
  }
});

usage("an unknown or misspelt option, a missing one, a bad value: one line and the command's --help", async () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ['generate', '-f', 'c.yaml', '-o', 'out', '--platfrom', 'aws'],
      /^error: unknown option '--platfrom' \(did you mean --platform\?\)\nRun 'kubeseed generate --help' for usage\.\n$/,
    ],
    [
      ['validate', '-f', 'x', '--bogus'],
      /^error: unknown option '--bogus'\nRun 'kubeseed validate --help' for usage\.\n$/,
    ],
    [['generate'], /^error: required option '-f, --file <path>' not specified\nRun 'kubeseed generate --help'/],
    [['validate', '-f', 'cluster.yaml', 'extra'], /^error: too many arguments for 'validate'/],
    [
      ['generate', '-f', 'c.yaml', '-o', 'out', '--platform', 'moon'],
      /^error: --platform moon is unknown; expected one of: aws, hetzner, oracle, azure, openstack, gcp\nRun 'kubeseed generate --help' for usage\.\n$/,
    ],
  ];
  for (const [args, stderr] of cases) {
    const result = await runCli(args);
    assert.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, stderr);
    assert.not.match(result.stderr, /Commands:|Options:/, 'not the whole usage');
  }
});

usage('a group without its subcommand shows that group’s commands on stderr, exit 2', async () => {
  const result = await runCli(['agent']);
  assert.is(result.code, 2);
  assert.is(result.stdout, '');
  assert.match(result.stderr, /^Usage: kubeseed agent \[options\] \[command\]/);
  assert.match(result.stderr, /\n {2}build\b[\s\S]*\n {2}install\b/);
});

usage('nearest: a prefix of one name, or a few typing mistakes; nothing for unrelated words', () => {
  const commands = ['init', 'validate', 'generate', 'media', 'images', 'agent'];
  assert.equal(nearest('gen', commands), ['generate']);
  assert.equal(nearest('genrate', commands), ['generate']);
  assert.equal(nearest('imagse', commands), ['images']);
  assert.equal(nearest('i', commands), []);
  assert.equal(nearest('in', commands), ['init']);
  assert.equal(nearest('constructor', commands), []);
  assert.equal(nearest('--plat', ['--platform', '--state']), ['--platform']);
  assert.equal(nearest('--stat', ['--state', '--status']), ['--state', '--status']);
});

usage.run();

const published = suite('kubeseed CLI: the published entry point (bin/kubeseed.js and dist/)');

// As an earlier build leaves one: chunks are named by their content's hash.
const STALE_CHUNK = join(REPO, 'dist/kubeseed/chunk-EARLIER0.mjs');

published.before(() => {
  mkdirSync(dirname(STALE_CHUNK), { recursive: true });
  writeFileSync(STALE_CHUNK, 'export {};\n');
  // What `npm test` and `npm publish` do first; run here so the bundle under test is current.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, encoding: 'utf8' });
  assert.is(build.status, 0, build.stderr);
});

published('bin/kubeseed.js runs main from the bundle: the version, an unknown command, a real validate', () => {
  const bin = (args: string[]) =>
    spawnSync(process.execPath, [join(REPO, 'bin/kubeseed.js'), ...args], { encoding: 'utf8' });
  const version = bin(['--version']);
  assert.is(version.status, 0, version.stderr);
  assert.is(version.stdout, `kubeseed ${VERSION}\n`);
  const unknown = bin(['genrate']);
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /^error: unknown command 'genrate' \(did you mean generate\?\)\n/);
  const valid = bin(['validate', '-f', join(REPO, 'examples/cluster.yaml')]);
  assert.is(valid.status, 0, valid.stderr);
  assert.match(valid.stdout, /valid \(cluster "homelab", 3 nodes\)/);
  // generate reads the pinned templates and init the example: found from the bundle's place too.
  const work = mkdtempSync(join(tmpdir(), 'kubeseed-bin-'));
  try {
    const init = bin(['init']);
    assert.is(init.status, 0, init.stderr);
    writeFileSync(join(work, 'cluster.yaml'), init.stdout);
    const generated = bin(['generate', '-f', join(work, 'cluster.yaml'), '-o', join(work, 'out')]);
    assert.is(generated.status, 0, generated.stderr);
    assert.ok(existsSync(join(work, 'out/nodes.json')));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Each command's --help loads that command's part of the bundle.
  for (const command of [
    ['init'],
    ['validate'],
    ['generate'],
    ['media', 'seed'],
    ['media', 'pi'],
    ['images', 'list'],
    ['images', 'archive'],
    ['agent', 'build'],
    ['agent', 'install'],
  ]) {
    const result = bin([...command, '--help']);
    assert.is(result.status, 0, `${command.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, `Usage: kubeseed ${command.join(' ')} [options]`);
  }
});

/** Every bundle file `file` loads before its first line runs: its static imports, transitively. */
const STATIC_IMPORT = /^import\s[^;]*?from\s*"\.\/([^"]+)";/gm;
const ANY_IMPORT = /(?:^import\s[^;]*?from\s*|import\()"\.\/([^"]+)"/gm;

function staticGraph(dir: string, file: string, pattern = STATIC_IMPORT, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(join(dir, file), 'utf8');
  for (const [, imported] of code.matchAll(pattern)) staticGraph(dir, imported!, pattern, seen);
  return seen;
}

published("`--help` loads no command's module; `validate` loads neither the PKI nor the yaml library", () => {
  const dir = join(REPO, 'dist/kubeseed');
  const text = (files: Set<string>) => [...files].map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
  const startup = text(staticGraph(dir, 'cli.mjs'));
  assert.not.match(startup, 'YAMLParseError', 'the YAML parser is not loaded to print help');
  assert.not.match(startup, 'X509Certificate', 'nor the X.509 library');
  const startupFiles = staticGraph(dir, 'cli.mjs').size;
  assert.ok(startupFiles <= 4, `cli.mjs loads ${startupFiles} files before it runs`);
  const cli = readFileSync(join(dir, 'cli.mjs'), 'utf8');
  const validateChunk = /import\("\.\/(validate-[^"]+)"\)/.exec(cli)?.[1];
  assert.ok(validateChunk, 'validate is loaded by a dynamic import');
  const validateCode = text(staticGraph(dir, validateChunk!));
  assert.match(validateCode, 'YAMLException', 'a spec is read by js-yaml');
  assert.not.match(validateCode, 'X509Certificate');
  // The yaml library places problems at file:line:col: loaded only when there is one to show.
  assert.not.match(validateCode, 'YAMLParseError');
  const positions = /import\("\.\/(yaml-source-[^"]+)"\)/.exec(validateCode)?.[1];
  assert.ok(positions, 'the yaml library is loaded by a dynamic import');
  assert.match(text(staticGraph(dir, positions!)), 'YAMLParseError');
});

published('the build leaves in dist/kubeseed/ only what the CLI loads: no chunk of an earlier build ships', () => {
  const dir = join(REPO, 'dist/kubeseed');
  assert.not.ok(existsSync(STALE_CHUNK), 'the earlier chunk is removed');
  const loaded = staticGraph(dir, 'cli.mjs', ANY_IMPORT);
  // The output writer's thread is started by file name, not imported.
  staticGraph(dir, 'output-worker.mjs', ANY_IMPORT, loaded);
  assert.equal(readdirSync(dir).sort(), [...loaded].sort());
});

published('the package ships the CLI bundle, the agent script, the templates and the example', () => {
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  assert.is(pack.status, 0, pack.stderr);
  const files = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  for (const expected of [
    'bin/kubeseed.js',
    'dist/kubeseed/cli.mjs',
    'dist/kubeseed-boot.cjs',
    'examples/cluster.yaml',
    'templates/index.json',
    'templates/kubeseed-boot.service',
  ])
    assert.ok(files.includes(expected), `${expected} is in the package`);
  const cli = readFileSync(join(REPO, 'dist/kubeseed/cli.mjs'), 'utf8');
  for (const [, chunk] of cli.matchAll(/import\("\.\/([^"]+)"\)/g))
    assert.ok(files.includes(`dist/kubeseed/${chunk}`), `${chunk} is in the package`);
  assert.not.ok(
    files.some((file) => /^(bootstrap|core|generator|images)\//.test(file)),
    'no sources: the bundles stand for them',
  );
});

published.run();
