// `npm run setup:test`: installs, with apt-get, the Debian packages that provide the tools
// the tests use (test/helpers/tools.ts). Only what is missing; nothing when all is there.
// Without root it names the packages and the command, and exits 1.
import { spawnSync } from 'node:child_process';
import { isRoot, missingTools, packagesFor, SETUP_COMMAND } from './helpers/tools.ts';

function aptGet(args: string[]): boolean {
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

const install = (packages: string[]) => aptGet(['install', '-y', '-qq', '--no-install-recommends', ...packages]);

const missing = missingTools();
const packages = packagesFor(missing);
if (packages.length === 0) {
  console.log('setup:test: every tool the tests use is installed');
} else if (!isRoot) {
  console.log(`setup:test: missing ${packages.join(' ')} (for ${missing.join(', ')})`);
  console.log(`setup:test: installing them needs root: ${SETUP_COMMAND}`);
  process.exitCode = 1;
} else {
  console.log(`setup:test: installing ${packages.join(' ')}`);
  if (!aptGet(['update', '-qq'])) process.exitCode = 1;
  // One at a time only if all at once fails, to name the packages this release lacks.
  else if (!install(packages)) {
    const failed = packages.filter((name) => !install([name]));
    if (failed.length > 0) {
      console.log(`setup:test: could not install ${failed.join(' ')}; the tests that need them will fail`);
      process.exitCode = 1;
    }
  }
  const still = missingTools();
  if (still.length > 0) {
    console.log(`setup:test: still missing after the install: ${still.join(', ')}`);
    process.exitCode = 1;
  }
}
