// `npm test [-- PATTERN...]`: every uvu test file under test/ (or those whose path contains
// any PATTERN), each in its own process as uvu documents (`node file.test.ts`), a few at a
// time; ends with the line CI reads: "N passed, N failed, N skipped".
//
// uvu has no API that returns results: its runner prints "Total / Passed / Skipped" when a
// file's suites have run and sets the exit code. Those lines and the exit code are read
// here; a file that exits without them (a crash, an error in a hook) counts as a failure.
//
// Each file's process gets a TMPDIR of its own, which must be empty again when the process
// has closed: a file that leaves anything in it counts as failed, so a test that forgets its
// temporary directories shows up in its own run instead of filling the machine's temp dir.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { removeTree } from './helpers/cleanup.ts';
import { isRoot, maySkip, missingTools, packagesFor, SEARCH_PATH, SETUP_COMMAND } from './helpers/tools.ts';

const REPO = resolve(import.meta.dirname, '..');
const RESULTS = join(REPO, 'test-results');
/**
 * One at a time, in this order: they build and share the agent binary (dist/) and the e2e
 * image cache (.cache/e2e), and each e2e file already boots its machines side by side.
 */
const ONE_AT_A_TIME = ['test/images/agent-binary/', 'test/e2e/'];
const JOBS = Number(process.env.KUBESEED_TEST_JOBS) || Math.max(2, Math.min(4, availableParallelism()));
/** A file still running after this is stopped and counted as failed: a hang must not hold CI forever. */
const FILE_LIMIT_MS = Number(process.env.KUBESEED_TEST_FILE_LIMIT_S || 45 * 60) * 1000;
const STOP_GRACE_MS = 15_000;
/**
 * tsx keeps its compile cache in `<os.tmpdir()>/tsx-<euid>` (no setting moves it): each file's
 * TMPDIR gets a link of that name to the runner's, so files start from the shared warm cache.
 */
const TSX_CACHE = `tsx-${process.geteuid?.() ?? userInfo().username}`;
/** How many of the names a file left in its TMPDIR its problem lists. */
const LEFTOVERS_NAMED = 5;
/** Output goes through a pipe: uvu colours it only when told to. */
const COLOUR = process.stdout.isTTY && process.env.NO_COLOR === undefined ? { FORCE_COLOR: '1' } : {};

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  output: string;
  /** Why the file counts as failed beyond its failed tests. */
  problem?: string;
}

function findTestFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return findTestFiles(path);
      return entry.endsWith('.test.ts') ? [relative(REPO, path)] : [];
    });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
const stripColours = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

/** uvu's own totals, which the line printed before a file's output repeats. */
const UVU_TOTALS = /\n*^\s*Total:.*\n.*Passed:.*\n.*Skipped:.*\n.*Duration:.*$/m;

function summary(output: string): { total: number; passed: number; skipped: number } | undefined {
  const match = [...stripColours(output).matchAll(/Total:\s+(\d+)\s+Passed:\s+(\d+)\s+Skipped:\s+(\d+)/g)].at(-1);
  if (!match) return undefined;
  return { total: Number(match[1]), passed: Number(match[2]), skipped: Number(match[3]) };
}

const running = new Set<ChildProcess>();

/** The file's process group: what its tests started goes with it. */
function stop(child: ChildProcess): void {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      // gone already
    }
  };
  signal('SIGTERM');
  setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS).unref();
}

for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(name, () => {
    for (const child of running) stop(child);
    process.exitCode = 130;
    console.log(`\ninterrupted (${name}): stopping ${running.size} test file(s)`);
    setTimeout(() => process.exit(), STOP_GRACE_MS + 1000).unref();
  });
}

/** The file's own TMPDIR, holding only the link to the shared tsx cache. */
function makeTempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-test-'));
  // It stands in for the system temp dir, which other users reach into as well: Ignition
  // writes authorized_keys as the user it creates, apt's methods run as _apt.
  chmodSync(dir, 0o1777);
  const cache = join(tmpdir(), TSX_CACHE);
  mkdirSync(cache, { recursive: true });
  symlinkSync(cache, join(dir, TSX_CACHE));
  return dir;
}

/** What the file's processes left in its TMPDIR, besides the link made for tsx. */
function leftovers(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    // A test may have removed it itself: nothing is left then.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((name) => !(name === TSX_CACHE && lstatSync(join(dir, name)).isSymbolicLink())).sort();
}

function describeLeftovers(names: string[]): string {
  const shown = names.slice(0, LEFTOVERS_NAMED).join(', ');
  const more = names.length > LEFTOVERS_NAMED ? `, and ${names.length - LEFTOVERS_NAMED} more` : '';
  const count = `${names.length} entr${names.length === 1 ? 'y' : 'ies'}`;
  return `left ${count} in its TMPDIR, which its after-hooks must empty: ${shown}${more}`;
}

function runFile(file: string): Promise<FileResult> {
  const started = performance.now();
  const temp = makeTempDir();
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: REPO,
    env: { ...process.env, PATH: SEARCH_PATH.join(delimiter), TMPDIR: temp, ...COLOUR },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  const limit = setTimeout(() => {
    timedOut = true;
    stop(child);
  }, FILE_LIMIT_MS);
  return new Promise((resolveResult) => {
    child.on('close', async (code, signal) => {
      clearTimeout(limit);
      running.delete(child);
      const seconds = (performance.now() - started) / 1000;
      const left = leftovers(temp);
      await removeTree(temp);
      const counts = summary(output);
      const result: FileResult = {
        file,
        seconds,
        output,
        passed: counts?.passed ?? 0,
        failed: counts ? counts.total - counts.passed : 0,
        skipped: counts?.skipped ?? 0,
      };
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      if (timedOut) result.problem = `did not finish within ${FILE_LIMIT_MS / 60_000} min and was stopped`;
      else if (!counts) result.problem = `${how} before uvu printed its summary`;
      else if ((code !== 0 || signal) && result.failed === 0) result.problem = `${how} after its tests`;
      if (left.length > 0)
        result.problem = [result.problem, describeLeftovers(left)].filter((text) => text !== undefined).join('; ');
      if (result.problem) result.failed += 1;
      resolveResult(result);
    });
  });
}

/** Runs `files` JOBS at a time; files under ONE_AT_A_TIME never run beside each other. */
async function runAll(files: string[], report: (result: FileResult) => void): Promise<FileResult[]> {
  const serial = ONE_AT_A_TIME.flatMap((prefix) => files.filter((file) => file.startsWith(prefix)));
  const parallel = files.filter((file) => !serial.includes(file));
  const results: FileResult[] = [];
  const lane = async (queue: string[]) => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const result = await runFile(file);
      report(result);
      results.push(result);
    }
  };
  // The serial lane joins the others once its files are done.
  const lanes = [lane(serial).then(() => lane(parallel))];
  while (lanes.length < JOBS) lanes.push(lane(parallel));
  await Promise.all(lanes);
  return results;
}

function prerequisites(): void {
  const missing = missingTools();
  if (missing.length > 0) {
    const consequence = maySkip
      ? 'the tests that need them are skipped'
      : `the tests that need them fail (${isRoot ? 'as root' : 'under CI=true'} nothing is skipped)`;
    console.log(`missing Debian packages: ${packagesFor(missing).join(' ')}: ${consequence}`);
    console.log(`install them with: ${SETUP_COMMAND}`);
  }
  if (!isRoot)
    console.log(
      `not root: the e2e boots and the tests that run containerd or Ignition ${maySkip ? 'are skipped' : 'fail'}`,
    );
  if (missing.length > 0 || !isRoot) console.log();
}

function keep(result: FileResult): string {
  const log = join(RESULTS, `${relative('test', result.file)}.log`);
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, stripColours(result.output));
  return relative(REPO, log);
}

const patterns = process.argv.slice(2);
const files = findTestFiles(join(REPO, 'test')).filter(
  (file) => patterns.length === 0 || patterns.some((pattern) => file.includes(pattern)),
);

prerequisites();
if (files.length === 0) console.log(`no test file under test/ matches ${patterns.join(' or ')}`);
const started = performance.now();
const results = await runAll(files, (result) => {
  const counts = `${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`;
  console.log(`${result.file} (${counts}; ${result.seconds.toFixed(1)} s)`);
  const output = result.output.replace(UVU_TOTALS, '').replace(/^\n+/, '').trimEnd();
  if (output) console.log(output);
  if (result.problem) console.log(`  ✘ ${result.file} ${result.problem}`);
  if (result.failed > 0) console.log(`  output kept in ${keep(result)}`);
  console.log();
});

const total = (key: 'passed' | 'failed' | 'skipped') => results.reduce((sum, result) => sum + result[key], 0);
const failedFiles = results.filter((result) => result.failed > 0).map((result) => result.file);
console.log(`${files.length} file(s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failedFiles.length > 0) console.log(`failed: ${failedFiles.join(' ')}`);
console.log(`${total('passed')} passed, ${total('failed')} failed, ${total('skipped')} skipped`);
if (files.length === 0 || total('failed') > 0) process.exitCode = 1;
