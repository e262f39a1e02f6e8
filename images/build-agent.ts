// npm run build:agent [-- OPTIONS]
// Builds dist/kubeseed-boot-linux-{amd64,arm64}, dist/kubeseed-boot.cjs and dist/SHA256SUMS.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeseedError, formatError } from '../core/errors.ts';
import { buildAgent, type AgentBuild } from './agent-binary/build.ts';
import { NODE_VERSION } from './agent-binary/node-base.ts';
import { fileSize, formatBytes, xzSize } from './agent-binary/sizes.ts';

const USAGE = `Usage: npm run build:agent -- [options]
  --entry FILE            agent entry point (default: $KUBESEED_AGENT_ENTRY or bootstrap/main.ts)
  --out DIR               output directory (default: dist)
  --check-reproducible    build a second time elsewhere and fail unless the bytes match
  --no-xz                 skip the xz -6 sizes (about a minute on two cores)
`;

async function report(build: AgentBuild, seconds: number, withXz: boolean): Promise<void> {
  const files = [build.script, ...Object.values(build.binaries)];
  const rows = await Promise.all(
    files.map(async (path) => {
      const xz = withXz ? formatBytes(await xzSize(path)) : '-';
      return [basename(path), formatBytes(await fileSize(path)), xz] as const;
    }),
  );
  console.log(`kubeseed-boot on Node ${NODE_VERSION}, built in ${seconds.toFixed(1)} s into ${build.outDir}`);
  console.log(`${'file'.padEnd(28)} ${'size'.padStart(10)} ${'xz -6'.padStart(10)}`);
  for (const [name, size, xz] of rows) console.log(`${name.padEnd(28)} ${size.padStart(10)} ${xz.padStart(10)}`);
}

async function checkReproducible(first: AgentBuild, entry: string | undefined): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kubeseed-boot-'));
  try {
    const second = await buildAgent({ entry, outDir: dir });
    const differing = Object.keys(first.sha256).filter((name) => first.sha256[name] !== second.sha256[name]);
    if (differing.length > 0)
      throw new KubeseedError('integrity', `not reproducible: a second build differs in ${differing.join(', ')}`);
    console.log('reproducible: a second build gave the same bytes');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        entry: { type: 'string' },
        out: { type: 'string' },
        'check-reproducible': { type: 'boolean' },
        'no-xz': { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) return void process.stdout.write(USAGE);
  const started = performance.now();
  const build = await buildAgent({ entry: values.entry, outDir: values.out });
  await report(build, (performance.now() - started) / 1000, !values['no-xz']);
  if (values['check-reproducible']) await checkReproducible(build, values.entry);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `error: ${error instanceof KubeseedError ? formatError(error) : String((error as Error).stack ?? error)}\n`,
  );
  process.exitCode = 1;
});
