// The e2e suite's build cache under .cache/e2e: each entry is a directory named for what
// it is and a hash of its inputs, built under a temporary name and renamed into place, so
// an entry that exists is complete. Building one removes the other entries of its kind:
// a root filesystem is about a gigabyte.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const CACHE_DIR = join(REPO, '.cache', 'e2e');

export class InputHash {
  private readonly hash = createHash('sha256');

  text(label: string, value: string): this {
    this.hash.update(`${label}\0${value.length}\0${value}\0`);
    return this;
  }

  async file(path: string): Promise<this> {
    return this.text(path, await readFile(path, 'utf8'));
  }

  /** Streamed: the agent binary is a hundred megabytes. */
  async binary(path: string): Promise<this> {
    const digest = createHash('sha256');
    for await (const chunk of createReadStream(path)) digest.update(chunk as Buffer);
    return this.text(path, digest.digest('hex'));
  }

  get hex(): string {
    return this.hash.copy().digest('hex').slice(0, 16);
  }
}

/** The directory `<kind>-<key>` under .cache/e2e, built by `build(dir)` unless it exists. */
export async function cached(kind: string, key: string, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE_DIR, `${kind}-${key}`);
  if (existsSync(dir)) return dir;
  await mkdir(CACHE_DIR, { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const started = performance.now();
  try {
    await build(partial);
    await rename(partial, dir);
    console.log(`  built ${relative(REPO, dir)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  for (const entry of await readdir(CACHE_DIR)) {
    if (entry.startsWith(`${kind}-`) && entry !== `${kind}-${key}`)
      await rm(join(CACHE_DIR, entry), { recursive: true, force: true });
  }
  return dir;
}
