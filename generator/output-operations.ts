// The file-system work of writing outputs, as operations the output writer decides and
// either thread carries out (write-outputs.ts, output-worker.ts): a directory to make, a
// file to create in a staged tree, a temporary beside an existing target.
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  statSync,
  writeFileSync as writeDescriptorSync,
} from 'node:fs';
import { writeTemporarySync } from '../core/atomic-write.ts';

export const DIRECTORY_MODE = 0o700;
// A staged tree is new and the writer's alone: a file that exists already is an error, not a target.
const STAGED_FILE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export type OutputOperation =
  | { kind: 'directory'; path: string }
  | { kind: 'staged'; path: string; content: string | Uint8Array; mode: number }
  | { kind: 'temporary'; target: string; content: string | Uint8Array; mode: number };

/** To the worker: operations to carry out, or the end of them (it replies once, with any failure). */
export type WorkerMessage = { operations: OutputOperation[] } | { finish: true };
export type WorkerReply = { failure?: OperationFailure };
/** One Int32 the worker adds to per batch it is done with. */
export type WorkerData = { batchesDone: SharedArrayBuffer };

/** A failure as it crosses from the worker: what the user is told, and the errno code. */
export interface OperationFailure {
  message: string;
  code?: string;
}

export function failureOf(error: unknown): OperationFailure {
  const { message, code } = error as NodeJS.ErrnoException;
  return { message: String(message), ...(code === undefined ? {} : { code }) };
}

export function errorOf(failure: OperationFailure): Error {
  return Object.assign(new Error(failure.message), failure.code === undefined ? {} : { code: failure.code });
}

/**
 * Carries out operations in order. Whether the umask leaves a mode alone is learned from
 * the first file or directory made with it: after that, thousands of new files skip a
 * chmod each.
 */
export class OperationRunner {
  readonly #kept = new Map<number, boolean>();

  run(operation: OutputOperation): void {
    switch (operation.kind) {
      case 'directory': {
        const { path } = operation;
        mkdirSync(path, { mode: DIRECTORY_MODE });
        this.#settle(
          DIRECTORY_MODE,
          () => statSync(path).mode,
          () => chmodSync(path, DIRECTORY_MODE),
        );
        return;
      }
      case 'staged': {
        const { path, content, mode } = operation;
        const descriptor = openSync(path, STAGED_FILE_FLAGS, mode);
        try {
          this.#settle(
            mode,
            () => fstatSync(descriptor).mode,
            () => fchmodSync(descriptor, mode),
          );
          writeDescriptorSync(descriptor, content);
        } finally {
          closeSync(descriptor);
        }
        return;
      }
      case 'temporary':
        writeTemporarySync(operation.target, operation.content, operation.mode);
        return;
    }
  }

  #settle(mode: number, actualMode: () => number, setMode: () => void): void {
    let kept = this.#kept.get(mode);
    if (kept === undefined) {
      kept = (actualMode() & 0o7777) === mode;
      this.#kept.set(mode, kept);
    }
    if (!kept) setMode();
  }
}
