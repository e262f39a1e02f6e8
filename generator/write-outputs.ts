// Writes generated files under the output directory: all of them or none, with each mode
// set exactly rather than left to the umask. Nothing is written under its final name
// before everything is on disk:
// - a file whose directory already exists (a regenerated node, nodes.json) goes to a
//   temporary beside its target, renamed over it at the end;
// - files under a directory that does not exist yet (every node of a first generate, a
//   node added later) are written under their own names in a staged copy of the topmost
//   missing directory, renamed into place at the end: one rename for a whole new tree,
//   instead of one per file.
// One flush per file system makes everything durable before the renames, and a second
// one the renames (core/sync-file-system.ts): a fleet of 20,000 files pays for two
// flushes instead of an fsync each. A reader never sees half a file or half a node, and a
// failure before the renames leaves the outputs as they were.
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  renameSync,
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

/** The topmost directory between `outDir` and each file that does not exist yet, if any. */
function missingRoots(outDir: string, files: readonly OutputFile[]): Map<string, string | undefined> {
  const exists = new Map<string, boolean>();
  const roots = new Map<string, string | undefined>();
  for (const { path } of files) {
    const directory = dirname(path);
    if (roots.has(directory)) continue;
    let root: string | undefined;
    if (directory !== '.') {
      let prefix = '';
      for (const part of directory.split('/')) {
        prefix = prefix === '' ? part : `${prefix}/${part}`;
        let present = exists.get(prefix);
        if (present === undefined) {
          present = statSync(join(outDir, prefix), { throwIfNoEntry: false }) !== undefined;
          exists.set(prefix, present);
        }
        if (!present) {
          root = prefix;
          break;
        }
      }
    }
    roots.set(directory, root);
  }
  return roots;
}

interface Staged {
  /** Relative to the output directory. */
  root: string;
  staging: string;
}

export async function writeOutputs(outDir: string, files: readonly OutputFile[]): Promise<void> {
  mkdirSync(outDir, { recursive: true, mode: DIRECTORY_MODE });
  chmodSync(outDir, DIRECTORY_MODE);
  const roots = missingRoots(outDir, files);
  const modes = new CreationModes();
  const staged = new Map<string, Staged>();
  const madeDirectories = new Set<string>();
  const existingDirectories = new Set<string>([outDir]);
  const temporaries: { temporary: string; target: string }[] = [];
  const stagedFiles: string[] = [];

  const makeDirectory = (path: string) => {
    if (madeDirectories.has(path)) return;
    mkdirSync(path, { mode: DIRECTORY_MODE });
    madeDirectories.add(path);
    modes.settle(
      DIRECTORY_MODE,
      () => statSync(path).mode,
      () => chmodSync(path, DIRECTORY_MODE),
    );
  };

  const stagingOf = (root: string): Staged => {
    let entry = staged.get(root);
    if (!entry) {
      const staging = temporaryPath(join(outDir, root));
      // Left by a run that was killed before its renames: ours by name, and never in use.
      rmSync(staging, { recursive: true, force: true });
      entry = { root, staging };
      staged.set(root, entry);
      makeDirectory(staging);
    }
    return entry;
  };

  const writeStaged = (path: string, file: OutputFile) => {
    const descriptor = openSync(path, STAGED_FILE_FLAGS, file.mode);
    try {
      modes.settle(
        file.mode,
        () => fstatSync(descriptor).mode,
        () => fchmodSync(descriptor, file.mode),
      );
      writeDescriptorSync(descriptor, file.content);
    } finally {
      closeSync(descriptor);
    }
    stagedFiles.push(path);
  };

  try {
    for (const file of files) {
      const directory = dirname(file.path);
      const root = roots.get(directory);
      if (root === undefined) {
        const target = join(outDir, file.path);
        const parent = dirname(target);
        if (!existingDirectories.has(parent)) {
          chmodSync(parent, DIRECTORY_MODE);
          existingDirectories.add(parent);
        }
        temporaries.push({ temporary: writeTemporarySync(target, file.content, file.mode), target });
        continue;
      }
      const { staging } = stagingOf(root);
      const inside = file.path.slice(root.length + 1);
      const insideDirectory = dirname(inside);
      let made = staging;
      for (const part of insideDirectory === '.' ? [] : insideDirectory.split('/')) {
        made = join(made, part);
        makeDirectory(made);
      }
      writeStaged(join(staging, inside), file);
    }
    await syncFileSystems(
      [...existingDirectories, ...madeDirectories],
      [...temporaries.map(({ temporary }) => temporary), ...stagedFiles],
    );
  } catch (error) {
    for (const { temporary } of temporaries) rmSync(temporary, { force: true });
    for (const { staging } of staged.values()) rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  for (const { temporary, target } of temporaries) renameSync(temporary, target);
  for (const { root, staging } of staged.values()) renameSync(staging, join(outDir, root));
  await syncFileSystems([...existingDirectories, ...[...staged.keys()].map((root) => dirname(join(outDir, root)))]);
}
