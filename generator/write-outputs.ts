// Writes generated files under the output directory: all of them or none, with each mode
// set exactly rather than left to the umask. Files are written as they are rendered, but
// nothing appears under its final name before `commit`:
// - a file whose directory already exists (a regenerated node, nodes.json) goes to a
//   temporary beside its target, renamed over it at commit;
// - files under a directory that does not exist yet (every node of a first generate, a
//   node added later) are written under their own names in a staged copy of the topmost
//   missing directory, renamed into place at commit: one rename for a whole new tree,
//   instead of one per file.
// At commit one flush per file system makes everything durable before the renames, and a
// second one the renames (core/sync-file-system.ts): a fleet of 20,000 files pays for two
// flushes instead of an fsync each. A reader never sees half a file or half a node, and
// `abort` leaves the outputs as they were.
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync as writeDescriptorSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { temporaryPath, writeTemporarySync } from '../core/atomic-write.ts';
import { syncFileSystems } from '../core/sync-file-system.ts';
import type { OutputFile } from './outputs.ts';

const DIRECTORY_MODE = 0o700;
// A staged tree is new and ours alone: a file that exists already is an error, not a target.
const STAGED_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Whether the umask leaves a mode alone, learned from the first file or directory made
 * with it: after that, thousands of new files skip a chmod each.
 */
class CreationModes {
  readonly #kept = new Map<number, boolean>();

  settle(mode: number, actualMode: () => number, setMode: () => void): void {
    let kept = this.#kept.get(mode);
    if (kept === undefined) {
      kept = (actualMode() & 0o7777) === mode;
      this.#kept.set(mode, kept);
    }
    if (!kept) setMode();
  }
}

export class OutputWriter {
  readonly #outDir: string;
  /** The first directory this writer made on the way to the output directory, if any. */
  readonly #madeOutDir: string | undefined;
  readonly #modes = new CreationModes();
  /** Per directory of an output (relative), the topmost missing directory on its way, if any. */
  readonly #roots = new Map<string, string | undefined>();
  readonly #present = new Map<string, boolean>();
  /** Staged trees by the directory they become (relative), with where they are staged. */
  readonly #staged = new Map<string, string>();
  readonly #madeDirectories = new Set<string>();
  readonly #existingDirectories: Set<string>;
  readonly #temporaries: { temporary: string; target: string }[] = [];
  readonly #stagedFiles: string[] = [];

  constructor(outDir: string) {
    this.#outDir = outDir;
    this.#madeOutDir = mkdirSync(outDir, { recursive: true, mode: DIRECTORY_MODE });
    chmodSync(outDir, DIRECTORY_MODE);
    this.#existingDirectories = new Set([outDir]);
  }

  /** Writes `file` where commit will find it; nothing shows under its name yet. */
  write(file: OutputFile): void {
    const directory = dirname(file.path);
    const root = this.#rootOf(directory);
    if (root === undefined) {
      const target = join(this.#outDir, file.path);
      const parent = dirname(target);
      if (!this.#existingDirectories.has(parent)) {
        chmodSync(parent, DIRECTORY_MODE);
        this.#existingDirectories.add(parent);
      }
      this.#temporaries.push({ temporary: writeTemporarySync(target, file.content, file.mode), target });
      return;
    }
    let made = this.#stagingOf(root);
    const inside = directory === root ? '' : directory.slice(root.length + 1);
    for (const part of inside === '' ? [] : inside.split('/')) {
      made = join(made, part);
      this.#makeDirectory(made);
    }
    this.#writeStaged(join(made, file.path.slice(directory.length + 1)), file);
  }

  /** Puts everything written under its name, durably; on failure, as abort. */
  async commit(): Promise<void> {
    try {
      await syncFileSystems(
        [...this.#existingDirectories, ...this.#madeDirectories],
        [...this.#temporaries.map(({ temporary }) => temporary), ...this.#stagedFiles],
      );
    } catch (error) {
      this.abort();
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
  abort(): void {
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
    mkdirSync(path, { mode: DIRECTORY_MODE });
    this.#madeDirectories.add(path);
    this.#modes.settle(
      DIRECTORY_MODE,
      () => statSync(path).mode,
      () => chmodSync(path, DIRECTORY_MODE),
    );
  }

  #writeStaged(path: string, file: OutputFile): void {
    const descriptor = openSync(path, STAGED_FILE_FLAGS, file.mode);
    try {
      this.#modes.settle(
        file.mode,
        () => fstatSync(descriptor).mode,
        () => fchmodSync(descriptor, file.mode),
      );
      writeDescriptorSync(descriptor, file.content);
    } finally {
      closeSync(descriptor);
    }
    this.#stagedFiles.push(path);
  }
}

/** All of `files` under `outDir`, or none of them. */
export async function writeOutputs(outDir: string, files: readonly OutputFile[]): Promise<void> {
  const writer = new OutputWriter(outDir);
  try {
    for (const file of files) writer.write(file);
  } catch (error) {
    writer.abort();
    throw error;
  }
  await writer.commit();
}
