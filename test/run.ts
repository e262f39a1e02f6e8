// Runs every uvu suite under test/ (or the files named on the command line) in one
// process and ends with the plain summary line CI reads: "N passed, N failed".
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type SuiteResult = [errors: string | true, ran: number, skipped: number, total: number];
type QueuedSuite = () => Promise<SuiteResult>;

const testRoot = resolve(import.meta.dirname);

function findTestFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return findTestFiles(path);
      return entry.endsWith('.test.ts') ? [path] : [];
    });
}

const filters = process.argv.slice(2);
const files = findTestFiles(testRoot).filter(
  (file) => filters.length === 0 || filters.some((filter) => file.includes(filter)),
);

const globals = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: unknown[][] };
globals.UVU_DEFER = 1;
const uvu = await import('uvu');

for (const [index, file] of files.entries()) {
  globals.UVU_INDEX = index;
  globals.UVU_QUEUE.push([relative(testRoot, file)]);
  await import(pathToFileURL(file).href);
}

let passed = 0;
let failed = 0;
for (const group of globals.UVU_QUEUE) {
  for (let i = 1; i < group.length; i++) {
    const suite = group[i] as QueuedSuite;
    group[i] = async () => {
      const result = await suite();
      passed += result[1];
      failed += result[3] - result[1];
      return result;
    };
  }
}

await uvu.exec(false);
console.log(`${passed} passed, ${failed} failed`);
if (files.length === 0 || failed > 0) process.exitCode = 1;
