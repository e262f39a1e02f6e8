// Where `images archive` keeps what it has pulled until the archive is written: one file per
// blob, named by digest (`sha256/<hex>`, as in an OCI layout). A file only gets its name
// once its sha256 is verified (RegistryClient.downloadBlob, putVerified), so an interrupted
// run resumes by skipping every blob already there.
import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../core/atomic-write.ts';
import { KubeseedError } from '../core/errors.ts';
import { SHA256_DIGEST } from '../core/formats.ts';

export class BlobCache {
  /** Concurrent pulls of images that share a manifest or config must not write one file twice. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  /** Runs `store` for a digest at most once at a time; later callers wait for the first. */
  once(digest: string, store: () => Promise<void>): Promise<void> {
    const running = this.inFlight.get(digest);
    if (running) return running;
    const work = store().finally(() => this.inFlight.delete(digest));
    this.inFlight.set(digest, work);
    return work;
  }

  async open(): Promise<void> {
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
  }

  pathFor(digest: string): string {
    if (!SHA256_DIGEST.test(digest)) throw new KubeseedError('internal', `${digest} is not a sha256 digest`);
    return join(this.dir, 'sha256', digest.slice('sha256:'.length));
  }

  async has(digest: string): Promise<boolean> {
    return (await stat(this.pathFor(digest)).catch(() => undefined)) !== undefined;
  }

  /** Stores bytes already in memory (manifests) under their digest, after checking it. */
  async putVerified(digest: string, bytes: Buffer): Promise<void> {
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest)
      throw new KubeseedError('integrity', `refusing to cache ${digest}: the bytes hash to ${actual}`);
    const path = this.pathFor(digest);
    await this.once(digest, () => atomicWrite(path, bytes, { mode: 0o644 }));
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
