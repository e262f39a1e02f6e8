// The strict stand-in kubeadm's checker as one JavaScript file (esbuild, yaml inlined), so
// the very same code runs on the test machine (agent tests) and inside the e2e guests, whose
// Debian has Node.js from its own nodejs package and nothing from npm.
import { mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const REPO = resolve(import.meta.dirname, '../../..');
/** Debian bookworm's nodejs is 18.x: the guests' Node. */
const TARGET = 'node18';

let built: string | undefined;

/** Builds once per process into .cache/stand-ins and returns the file's path. */
export function kubeadmChecker(): string {
  if (built) return built;
  const dir = join(REPO, '.cache', 'stand-ins');
  mkdirSync(dir, { recursive: true });
  const target = join(dir, 'kubeadm-check.cjs');
  const partial = join(dir, `kubeadm-check.${process.pid}.cjs`);
  buildSync({
    entryPoints: [join(import.meta.dirname, 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: TARGET,
    outfile: partial,
    logLevel: 'warning',
    legalComments: 'none',
  });
  // Same inputs, same bytes: a concurrent build renaming over this one changes nothing.
  renameSync(partial, target);
  built = target;
  return target;
}
