// Each e2e test file works in .cache/e2e/work/<test>-<pid>: results/ (the cluster it
// generated, each boot's /out and console) and machines/ (root filesystem copies, a
// gigabyte each). When one of its tests fails, or KUBESEED_E2E_KEEP=1 is set, results/ is
// kept as test-results/e2e/<test>/ and the path printed; the work directory always goes.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from '../helpers/cleanup.ts';
import { CACHE_DIR, REPO } from './cache.ts';
import { exec } from './exec.ts';
import { powerOffAll } from './machine.ts';

const WORK_ROOT = join(CACHE_DIR, 'work');
const RESULTS_ROOT = join(REPO, 'test-results', 'e2e');

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What an earlier run killed mid-test left behind. */
async function removeStale(): Promise<void> {
  if (!existsSync(WORK_ROOT)) return;
  for (const entry of await readdir(WORK_ROOT)) {
    const pid = Number(/-(\d+)$/.exec(entry)?.[1]);
    if (pid && pid !== process.pid && !isRunning(pid)) await removeTree(join(WORK_ROOT, entry));
  }
}

export class E2eWorkDir {
  readonly dir: string;
  readonly results: string;
  private failed = false;
  private ready: Promise<void> | undefined;

  constructor(readonly test: string) {
    this.dir = join(WORK_ROOT, `${test}-${process.pid}`);
    this.results = join(this.dir, 'results');
  }

  private async prepare(): Promise<void> {
    this.ready ??= (async () => {
      await removeStale();
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.results, { recursive: true });
    })();
    await this.ready;
  }

  /** A fresh directory under results/ (a boot's /out, the generated cluster). */
  async resultDir(name: string): Promise<string> {
    await this.prepare();
    const dir = join(this.results, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** A machine's own copy of the image, for boots whose changes must outlive the boot. */
  async machineDisk(name: string, rootfs: string): Promise<string> {
    await this.prepare();
    const dir = join(this.dir, 'machines', name);
    await mkdir(join(this.dir, 'machines'), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await exec('cp', ['-a', '--reflink=auto', rootfs, dir], { timeoutMs: 10 * 60_000 });
    return dir;
  }

  /** Wraps a test body so a failure keeps the results. */
  check<T extends unknown[]>(body: (...args: T) => Promise<void>): (...args: T) => Promise<void> {
    return async (...args) => {
      try {
        await body(...args);
      } catch (error) {
        this.failed = true;
        throw error;
      }
    };
  }

  /** The suite's after-hook: stops what still runs, keeps the results of a failure, removes the rest. It never throws. */
  async finish(): Promise<void> {
    await powerOffAll();
    if ((this.failed || process.env.KUBESEED_E2E_KEEP === '1') && existsSync(this.results)) {
      const kept = join(RESULTS_ROOT, this.test);
      try {
        await removeTree(kept);
        await mkdir(RESULTS_ROOT, { recursive: true });
        await cp(this.results, kept, { recursive: true });
        console.log(`  ${this.test}: results (console logs, journals, cloud-init logs) kept in ${kept}`);
      } catch (error) {
        console.warn(`  warning: could not keep ${this.results} as ${kept}: ${(error as Error).message}`);
      }
    }
    await removeTree(this.dir);
  }
}
