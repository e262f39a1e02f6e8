// core/atomic-write.ts, what every writer of the project goes through: the target holds
// the old content or the new, never a mix, with the mode asked for, and no temporary file
// stays behind a failure.
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { atomicWrite, renameDurably, temporaryPath } from '../../core/atomic-write.ts';

const test = suite<{ dir: string }>('core: atomic writes');

test.before.each((context) => {
  context.dir = mkdtempSync(join(tmpdir(), 'kubeseed-atomic-'));
});
test.after.each(({ dir }) => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

test('writes text, bytes and streams with exactly the mode asked for, whatever the umask', async ({ dir }) => {
  const previous = process.umask(0o077);
  try {
    await atomicWrite(join(dir, 'text'), 'hello\n', { mode: 0o644 });
    await atomicWrite(join(dir, 'bytes'), Buffer.from([1, 2, 3]), { mode: 0o600 });
    async function* chunks() {
      yield Buffer.from('one ');
      yield Buffer.from('two');
    }
    await atomicWrite(join(dir, 'stream'), chunks(), { mode: 0o640 });
  } finally {
    process.umask(previous);
  }
  assert.is(readFileSync(join(dir, 'text'), 'utf8'), 'hello\n');
  assert.is(mode(join(dir, 'text')), 0o644, 'the umask does not take bits away');
  assert.equal([...readFileSync(join(dir, 'bytes'))], [1, 2, 3]);
  assert.is(mode(join(dir, 'bytes')), 0o600);
  assert.is(readFileSync(join(dir, 'stream'), 'utf8'), 'one two');
  assert.is(mode(join(dir, 'stream')), 0o640);
  assert.equal(readdirSync(dir).sort(), ['bytes', 'stream', 'text']);
});

test('a source that fails half way leaves the old file as it was and no temporary file', async ({ dir }) => {
  const path = join(dir, 'archive.tar');
  writeFileSync(path, 'old content');
  async function* broken() {
    yield Buffer.from('the first half of the new content');
    throw new Error('the registry went away');
  }
  const error = await atomicWrite(path, broken(), { mode: 0o644 }).catch((caught: Error) => caught);
  assert.instance(error, Error);
  assert.match((error as Error).message, /the registry went away/);
  assert.is(readFileSync(path, 'utf8'), 'old content');
  assert.equal(readdirSync(dir), ['archive.tar']);
});

test('a temporary file a crash left behind is reused and gone afterwards, its old mode replaced', async ({ dir }) => {
  const path = join(dir, 'state.json');
  writeFileSync(temporaryPath(path), '{"version": 1, "pha', { mode: 0o666 });
  await atomicWrite(path, '{"version": 1}\n', { mode: 0o600 });
  assert.is(readFileSync(path, 'utf8'), '{"version": 1}\n');
  assert.is(mode(path), 0o600);
  assert.equal(readdirSync(dir), ['state.json']);
});

test('a symlink planted at the temporary name is not followed', async ({ dir }) => {
  const path = join(dir, 'node.yaml');
  const elsewhere = join(dir, 'elsewhere');
  writeFileSync(elsewhere, 'not yours');
  symlinkSync(elsewhere, temporaryPath(path));
  const error = await atomicWrite(path, 'secret', { mode: 0o600 }).catch((caught: NodeJS.ErrnoException) => caught);
  assert.is((error as NodeJS.ErrnoException).code, 'ELOOP');
  assert.is(readFileSync(elsewhere, 'utf8'), 'not yours');
  assert.not.ok(existsSync(path));
  assert.throws(() => lstatSync(temporaryPath(path)), /ENOENT/, 'the planted link is removed');
});

test('renameDurably puts a finished file in place', async ({ dir }) => {
  const built = join(dir, '.build-kubeseed-boot');
  writeFileSync(built, 'binary', { mode: 0o755 });
  await renameDurably(built, join(dir, 'kubeseed-boot'));
  assert.equal(readdirSync(dir), ['kubeseed-boot']);
  assert.is(mode(join(dir, 'kubeseed-boot')), 0o755);
});

test.run();
