// Writes generated files under the output directory: all of them or none, with each mode
// set exactly rather than left to the umask. Files are written as they are rendered, but
// nothing appears under its final name before `commit`:
// - a file whose directory already exists (a regenerated node, nodes.json) goes to a
//   temporary beside its target, renamed over it at commit;
// - files under a directory that does not exist yet (every node of a first generate, a
//   node added later) are written under their own names in a staged copy of the topmost
//   missing directory, renamed into place at commit: one rename for a whole new tree,
//   instead of one per file.
// Past a few thousand files the writing moves to a worker thread (output-worker.ts), so
// the disk works while the next nodes render. At commit one flush per file system makes
// everything durable before the renames, and a second one the renames
// (core/sync-file-system.ts): a fleet of 20,000 files pays for two flushes instead of an
// fsync each. A reader never sees half a file or half a node, and `abort` leaves the
// outputs as they were.
import { chmodSync, mkdirSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { Worker } from 'node:worker_threads';
import { temporaryPath } from '../core/atomic-write.ts';
import { syncFileSystems } from '../core/sync-file-system.ts';
import {
  DIRECTORY_MODE,
  errorOf,
  OperationRunner,
  type OutputOperation,
  type WorkerData,
  type WorkerMessage,
  type WorkerReply,
} from './output-operations.ts';
import type { OutputFile } from './outputs.ts';

/** Operations per message to the worker. */
const BATCH = 256;
/**
 * Up to this many files are written by this thread, at commit. A second thread's start-up
 * (~100 ms of CPU) costs more than the overlap gains below ~750 nodes, and on two cores it
 * competes with key generation and rendering.
 */
const IN_THREAD_FILES = 3000;
/** A thread with nothing to do gets whatever is queued once there is this much. */
const IDLE_BATCH = 16;
// Rendering is faster than a slow disk: past this many batches ahead of the worker, it
// waits, so a fleet's files are never all queued in memory.
const MAX_BATCHES_AHEAD = 16;
/** A worker that makes no progress for this long has stopped (it failed to load). */
const STALL_MS = 120_000;
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './output-worker.ts' : './output-worker.mjs', import.meta.url);

/**
 * Built, the worker is the bundle's entry beside this chunk. From source (tests, `npm run
 * kubeseed`) it is the .ts file, and a worker thread does not inherit the TypeScript loader
 * the process was started with: it registers tsx's itself before loading it.
 */
function startWorker(data: WorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: data });
  const load = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(load, { eval: true, workerData: data });
}

export class OutputWriter {
  readonly #outDir: string;
  /** The first directory this writer made on the way to the output directory, if any. */
  readonly #madeOutDir: string | undefined;
  /** Per directory of an output (relative), the topmost missing directory on its way, if any. */
  readonly #roots = new Map<string, string | undefined>();
  readonly #present = new Map<string, boolean>();
  /** Staged trees by the directory they become (relative), with where they are staged. */
  readonly #staged = new Map<string, string>();
  readonly #madeDirectories = new Set<string>();
  /** Staged directories by the directory they become (relative). */
  readonly #stagedDirectories = new Map<string, string>();
  readonly #existingDirectories: Set<string>;
  readonly #temporaries: { temporary: string; target: string }[] = [];
  readonly #stagedFiles: string[] = [];
  #pending: OutputOperation[] = [];
  #worker: Worker | undefined;
  readonly #batchesDone = new Int32Array(new SharedArrayBuffer(4));
  #batchesSent = 0;
  #files = 0;

  /**
   * `expectedFiles`, when the caller knows roughly how many files are coming: past what
   * this thread writes itself, the worker thread starts now, and its start-up overlaps
   * with the caller's work before the first file.
   */
  constructor(outDir: string, options: { expectedFiles?: number } = {}) {
    // No trailing slash: paths below are joined as text.
    this.#outDir = normalize(outDir).replace(/(?<=.)\/+$/, '');
    this.#madeOutDir = mkdirSync(this.#outDir, { recursive: true, mode: DIRECTORY_MODE });
    chmodSync(this.#outDir, DIRECTORY_MODE);
    this.#existingDirectories = new Set([this.#outDir]);
    if ((options.expectedFiles ?? 0) > IN_THREAD_FILES) this.#startWorker();
  }

  /** Writes `file` where commit will find it; nothing shows under its name yet. */
  write(file: OutputFile): void {
    this.#files++;
    // Paths are joined as text: an output's path is relative and normalized (outputs.ts),
    // and at fleet scale path.join was a tenth of the writer's time.
    const slash = file.path.lastIndexOf('/');
    const directory = slash === -1 ? '.' : file.path.slice(0, slash);
    const name = file.path.slice(slash + 1);
    const root = this.#rootOf(directory);
    if (root === undefined) {
      const parent = directory === '.' ? this.#outDir : `${this.#outDir}/${directory}`;
      const target = `${parent}/${name}`;
      if (!this.#existingDirectories.has(parent)) {
        chmodSync(parent, DIRECTORY_MODE);
        this.#existingDirectories.add(parent);
      }
      this.#temporaries.push({ temporary: temporaryPath(target), target });
      this.#queue({ kind: 'temporary', target, content: file.content, mode: file.mode });
      return;
    }
    const made = this.#stagedDirectory(root, directory);
    const path = `${made}/${name}`;
    this.#stagedFiles.push(path);
    this.#queue({ kind: 'staged', path, content: file.content, mode: file.mode });
  }

  /** Puts everything written under its name, durably; on failure, as abort. */
  async commit(): Promise<void> {
    try {
      await this.#drain();
      // A directory the writer made is on its staged tree's file system.
      await syncFileSystems([...this.#existingDirectories, ...this.#staged.values()], {
        files: [...this.#temporaries.map(({ temporary }) => temporary), ...this.#stagedFiles],
        directories: [...this.#existingDirectories, ...this.#madeDirectories],
      });
    } catch (error) {
      await this.abort();
      throw error;
    }
    for (const { temporary, target } of this.#temporaries) renameSync(temporary, target);
    for (const [root, staging] of this.#staged) renameSync(staging, join(this.#outDir, root));
    await syncFileSystems([
      ...this.#existingDirectories,
      ...[...this.#staged.keys()].map((root) => dirname(join(this.#outDir, root))),
    ]);
  }

  /** Removes everything written, and the output directory if this writer made it and it is empty. */
  async abort(): Promise<void> {
    this.#pending = [];
    // Stopped first: nothing may be written into a tree after it is removed.
    await this.#worker?.terminate();
    this.#worker = undefined;
    for (const { temporary } of this.#temporaries) rmSync(temporary, { force: true });
    for (const staging of this.#staged.values()) rmSync(staging, { recursive: true, force: true });
    if (this.#madeOutDir === undefined) return;
    // Left where something else (the state, when it lives under the output) has been put in it.
    for (let path = this.#outDir; ; path = dirname(path)) {
      try {
        rmdirSync(path);
      } catch {
        return;
      }
      if (path === this.#madeOutDir) return;
    }
  }

  #startWorker(): Worker {
    this.#worker ??= startWorker({ batchesDone: this.#batchesDone.buffer as SharedArrayBuffer });
    return this.#worker;
  }

  #queue(operation: OutputOperation): void {
    this.#pending.push(operation);
    if (this.#worker === undefined) {
      if (this.#files <= IN_THREAD_FILES) return;
    } else {
      const idle = Atomics.load(this.#batchesDone, 0) === this.#batchesSent;
      if (this.#pending.length < (idle ? IDLE_BATCH : BATCH)) return;
    }
    this.#startWorker().postMessage({ operations: this.#pending } satisfies WorkerMessage);
    this.#pending = [];
    this.#batchesSent++;
    // Blocking is the point: rendering is synchronous, and the worker runs on its own thread.
    for (;;) {
      const done = Atomics.load(this.#batchesDone, 0);
      if (this.#batchesSent - done <= MAX_BATCHES_AHEAD) return;
      if (Atomics.wait(this.#batchesDone, 0, done, STALL_MS) === 'timed-out') {
        throw new Error(`the output writer's thread made no progress in ${STALL_MS / 1000} s`);
      }
    }
  }

  /** Every operation carried out, here when there were few, else by the worker, which then ends. */
  async #drain(): Promise<void> {
    const worker = this.#worker;
    if (!worker) {
      const runner = new OperationRunner();
      for (const operation of this.#pending) runner.run(operation);
      this.#pending = [];
      return;
    }
    if (this.#pending.length > 0) worker.postMessage({ operations: this.#pending } satisfies WorkerMessage);
    this.#pending = [];
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the output writer's thread ended early (exit code ${code})`)));
      worker.postMessage({ finish: true } satisfies WorkerMessage);
    });
    await worker.terminate();
    this.#worker = undefined;
    if (reply.failure) throw errorOf(reply.failure);
  }

  #rootOf(directory: string): string | undefined {
    if (this.#roots.has(directory)) return this.#roots.get(directory);
    let root: string | undefined;
    if (directory !== '.') {
      let prefix = '';
      for (const part of directory.split('/')) {
        prefix = prefix === '' ? part : `${prefix}/${part}`;
        let present = this.#present.get(prefix);
        if (present === undefined) {
          present = statSync(join(this.#outDir, prefix), { throwIfNoEntry: false }) !== undefined;
          this.#present.set(prefix, present);
        }
        if (!present) {
          root = prefix;
          break;
        }
      }
    }
    this.#roots.set(directory, root);
    return root;
  }

  /** Where `directory`, inside the new tree `root`, is staged: made, with its parents, on first use. */
  #stagedDirectory(root: string, directory: string): string {
    let staged = this.#stagedDirectories.get(directory);
    if (staged !== undefined) return staged;
    staged = this.#stagingOf(root);
    const inside = directory === root ? '' : directory.slice(root.length + 1);
    for (const part of inside === '' ? [] : inside.split('/')) {
      staged = `${staged}/${part}`;
      this.#makeDirectory(staged);
    }
    this.#stagedDirectories.set(directory, staged);
    return staged;
  }

  #stagingOf(root: string): string {
    let staging = this.#staged.get(root);
    if (staging === undefined) {
      staging = temporaryPath(join(this.#outDir, root));
      // Left by a run that was killed before its renames: ours by name, and never in use.
      rmSync(staging, { recursive: true, force: true });
      this.#staged.set(root, staging);
      this.#makeDirectory(staging);
    }
    return staging;
  }

  #makeDirectory(path: string): void {
    if (this.#madeDirectories.has(path)) return;
    this.#madeDirectories.add(path);
    this.#queue({ kind: 'directory', path });
  }
}

/** All of `files` under `outDir`, or none of them. */
export async function writeOutputs(outDir: string, files: readonly OutputFile[]): Promise<void> {
  const writer = new OutputWriter(outDir);
  try {
    for (const file of files) writer.write(file);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.commit();
}
