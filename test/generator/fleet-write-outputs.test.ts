// generate's writer for thousands of files: every file with its content and mode, all of
// them or none, and no temporary file left behind either way.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OutputFile } from '../../generator/outputs.ts';
import { OutputWriter, writeOutputs } from '../../generator/write-outputs.ts';

const test = suite<{ dir: string }>('fleet: writing many outputs');

test.before.each((context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'kubeseed-fleet-write-'));
});
test.after.each(({ dir }) => rmSync(dir, { recursive: true, force: true }));

function files(count: number, version: string): OutputFile[] {
  return Array.from({ length: count }, (_, index) => [
    { path: `nodes/w-${index}/user-data`, content: `#cloud-config ${version} ${index}\n`, mode: 0o600 },
    { path: `nodes/w-${index}/meta-data`, content: Buffer.from(`${version}-${index}`), mode: 0o600 },
  ]).flat();
}

function tree(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = join(prefix, entry.name);
    return entry.isDirectory() ? tree(dir, path) : [path];
  });
}

test('writes every file with its content and mode, whatever the umask; directories 0700', async ({ dir }) => {
  const previous = process.umask(0o077);
  try {
    await writeOutputs(dir, [
      ...files(300, 'v1'),
      { path: 'nodes/w-8/public', content: 'p', mode: 0o644 },
      { path: 'nodes.json', content: '{}\n', mode: 0o644 },
    ]);
  } finally {
    process.umask(previous);
  }
  assert.is(tree(dir).length, 602);
  assert.is(statSync(join(dir, 'nodes/w-8/public')).mode & 0o777, 0o644);
  assert.is(readFileSync(join(dir, 'nodes/w-299/user-data'), 'utf8'), '#cloud-config v1 299\n');
  assert.is(readFileSync(join(dir, 'nodes/w-7/meta-data'), 'utf8'), 'v1-7');
  assert.is(statSync(join(dir, 'nodes/w-7/meta-data')).mode & 0o777, 0o600);
  assert.is(statSync(join(dir, 'nodes.json')).mode & 0o777, 0o644);
  assert.is(statSync(join(dir, 'nodes/w-7')).mode & 0o777, 0o700);
  assert.not.ok(tree(dir).some((path) => path.includes('kubeseed-tmp')));
});

test('a file that cannot be written leaves every earlier output as it was and no temporary file', async ({ dir }) => {
  await writeOutputs(dir, files(50, 'old'));
  // A directory where one temporary file must go: writing it fails half way through the set.
  mkdirSync(join(dir, 'nodes/w-30/user-data.kubeseed-tmp'));
  const error = await writeOutputs(dir, files(50, 'new')).catch((caught: Error) => caught);
  assert.instance(error, Error);
  rmSync(join(dir, 'nodes/w-30/user-data.kubeseed-tmp'), { recursive: true });
  assert.is(tree(dir).length, 100);
  for (const path of tree(dir)) assert.match(readFileSync(join(dir, path), 'utf8'), /old/, path);
});

// 40 nodes (80 files) are written at commit, 2,000 (4,000 files) by the worker thread while they are handed over.
for (const count of [40, 2000]) {
  test(`a new tree that fails half way is not left behind, staged or in place (${count} nodes)`, async ({ dir }) => {
    writeFileSync(join(dir, 'nodes.json'), 'old');
    // The same path twice: the second cannot be created in the staged tree.
    const error = await writeOutputs(dir, [
      ...files(count, 'v1'),
      { path: 'nodes/w-3/user-data', content: 'again', mode: 0o600 },
      { path: 'nodes.json', content: 'new', mode: 0o644 },
    ]).catch((caught: Error) => caught);
    assert.instance(error, Error);
    assert.match((error as Error).message, /EEXIST/);
    assert.equal(tree(dir), ['nodes.json']);
    assert.is(readFileSync(join(dir, 'nodes.json'), 'utf8'), 'old');
  });
}

test('abort while the worker thread writes: nothing is left, not even the output directory it made', async ({
  dir,
}) => {
  const out = join(dir, 'new/out');
  const writer = new OutputWriter(out);
  for (const file of files(2000, 'v1')) writer.write(file);
  await writer.abort();
  assert.equal(readdirSync(dir), []);
});

test('a thread started early for files that never come: abort leaves nothing, a few files still arrive', async ({
  dir,
}) => {
  const unused = new OutputWriter(join(dir, 'unused'), { expectedFiles: 10_000 });
  await unused.abort();
  assert.equal(readdirSync(dir), []);
  const out = join(dir, 'few');
  const writer = new OutputWriter(out, { expectedFiles: 10_000 });
  for (const file of files(3, 'v1')) writer.write(file);
  await writer.commit();
  assert.equal(
    tree(out).sort(),
    files(3, 'v1')
      .map((file) => file.path)
      .sort(),
  );
});

test('a fleet far ahead of the disk (3,000 nodes): rendering waits for the writer thread, and every file arrives', async ({
  dir,
}) => {
  const writer = new OutputWriter(dir);
  for (const file of files(3000, 'v1')) writer.write(file);
  // Rendering may run only so far ahead of the thread: before commit, the first files are written.
  assert.ok(tree(join(dir, 'nodes.kubeseed-tmp')).length >= 3000);
  await writer.commit();
  assert.is(tree(dir).length, 6000);
  assert.is(readFileSync(join(dir, 'nodes/w-2999/user-data'), 'utf8'), '#cloud-config v1 2999\n');
});

test('a few hundred files are written by this thread at commit, with no second thread to start', async ({ dir }) => {
  const writer = new OutputWriter(dir, { expectedFiles: 400 });
  for (const file of files(200, 'v1')) writer.write(file);
  assert.equal(readdirSync(dir), []);
  await writer.commit();
  assert.is(tree(dir).length, 400);
});

test('a staged tree left by a killed run is cleared, not merged', async ({ dir }) => {
  mkdirSync(join(dir, 'nodes.kubeseed-tmp/w-99'), { recursive: true });
  writeFileSync(join(dir, 'nodes.kubeseed-tmp/w-99/user-data'), 'stale');
  await writeOutputs(dir, files(5, 'v1'));
  assert.equal(
    tree(dir).sort(),
    files(5, 'v1')
      .map((file) => file.path)
      .sort(),
  );
});

test('nodes added to earlier outputs arrive whole, beside the ones rewritten in place', async ({ dir }) => {
  await writeOutputs(dir, files(10, 'v1'));
  await writeOutputs(dir, files(15, 'v2'));
  assert.is(tree(dir).length, 30);
  for (const path of tree(dir)) assert.match(readFileSync(join(dir, path), 'utf8'), /v2/, path);
  assert.is(statSync(join(dir, 'nodes/w-12')).mode & 0o777, 0o700);
  assert.not.ok(tree(dir).some((path) => path.includes('kubeseed-tmp')));
});

test('without `sync -f` on PATH (macOS, a minimal image) every file is still written', async ({ dir }) => {
  const path = process.env.PATH;
  const empty = join(dir, 'empty-path');
  mkdirSync(empty);
  process.env.PATH = empty;
  try {
    await writeOutputs(join(dir, 'out'), files(20, 'v1'));
  } finally {
    process.env.PATH = path;
  }
  assert.is(tree(join(dir, 'out')).length, 40);
});

test('writing over earlier outputs replaces them; files it does not write stay', async ({ dir }) => {
  await writeOutputs(dir, files(10, 'v1'));
  writeFileSync(join(dir, 'nodes/w-3/seed.iso'), 'made by kubeseed media seed');
  await writeOutputs(dir, files(10, 'v2'));
  assert.is(readFileSync(join(dir, 'nodes/w-3/user-data'), 'utf8'), '#cloud-config v2 3\n');
  assert.is(readFileSync(join(dir, 'nodes/w-3/seed.iso'), 'utf8'), 'made by kubeseed media seed');
});

test.run();
