// A FAT file system inside a disk image, read and written with mtools: no root, no loop
// mount, and the image may be any file (or block device) with the partition at an offset.
import { execFile } from 'node:child_process';
import { KubeseedError } from '../../core/errors.ts';

const NOT_INSTALLED =
  'mtools is not installed (mcopy, mtype, mdir, mlabel): apt-get install mtools (dnf install mtools, brew install mtools)';

interface Run {
  stdout: Buffer;
  stderr: string;
  code: number;
}

function mtools(command: string, args: string[], input?: Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    // mtools refuses images whose FAT geometry does not match its own expectations even
    // when the file system is fine (common on images made by other tools).
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    const child = execFile(
      command,
      args,
      { env, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (error && error.code === 'ENOENT') reject(new KubeseedError('command-failed', NOT_INSTALLED));
        else resolve({ stdout, stderr: stderr.toString('utf8').trim(), code });
      },
    );
    // A command that fails before reading its input closes the pipe; its exit status
    // carries the failure, so the broken pipe itself is not an error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

export class FatImage {
  readonly #drive: string;

  /** `offset` is the partition's first byte in the image. */
  constructor(
    readonly imagePath: string,
    readonly offset: number,
  ) {
    // mtools reads `FILE@@OFFSET` as "the file system starting OFFSET bytes into FILE".
    this.#drive = `${imagePath}@@${offset}`;
  }

  async #ok(command: string, args: string[], input?: Buffer): Promise<Buffer> {
    const run = await mtools(command, ['-i', this.#drive, ...args], input);
    if (run.code !== 0) {
      throw new KubeseedError(
        'command-failed',
        `${this.imagePath} (FAT at byte ${this.offset}): ${command} failed: ${run.stderr || `exit ${run.code}`}`,
      );
    }
    return run.stdout;
  }

  /** The volume label ('' when there is none), or undefined when this is not a FAT file system. */
  async label(): Promise<string | undefined> {
    const run = await mtools('mlabel', ['-s', '-i', this.#drive, '::']);
    if (run.code !== 0) return undefined;
    const text = run.stdout.toString('utf8');
    return /Volume label is (.*)/.exec(text)?.[1]?.trim() ?? '';
  }

  /** Names in the root directory, as stored (FAT compares them without case). */
  async list(): Promise<string[]> {
    const out = (await this.#ok('mdir', ['-b', '::'])).toString('utf8');
    return out
      .split('\n')
      .filter((line) => line.startsWith('::/'))
      .map((line) => line.slice(3).replace(/\/$/, ''));
  }

  async read(name: string): Promise<Buffer> {
    return this.#ok('mtype', [`::${name}`]);
  }

  /** Creates or replaces a root file; the contents go through stdin, never a temporary file. */
  async write(name: string, content: Buffer): Promise<void> {
    await this.#ok('mcopy', ['-o', '-', `::${name}`], content);
  }
}
