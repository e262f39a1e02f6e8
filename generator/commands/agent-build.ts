// `kubeseed agent build`: kubeseed-boot as one self-contained executable per architecture
// (the agent script injected into the official Node.js binary), and SHA256SUMS. From a
// checkout the script is compiled from the sources; an installed package ships it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { KubeseedError } from '../../core/errors.ts';
import { type AgentBuild, buildAgent, writeAgentScript } from '../../images/agent-binary/build.ts';
import { NODE_VERSION } from '../../images/agent-binary/node-base.ts';
import { fileSize, formatBytes, xzSize } from '../../images/agent-binary/sizes.ts';
import type { CliIo } from './io.ts';

interface Options {
  entry?: string;
  out: string;
  scriptOnly?: boolean;
  checkReproducible?: boolean;
  xz: boolean;
}

async function report(io: CliIo, build: AgentBuild, seconds: number, withXz: boolean): Promise<void> {
  const files = [build.script, ...Object.values(build.binaries)];
  const rows = await Promise.all(
    files.map(async (path) => {
      const xz = withXz ? formatBytes(await xzSize(path)) : '-';
      return [basename(path), formatBytes(await fileSize(path)), xz] as const;
    }),
  );
  const lines = [
    `kubeseed-boot on Node ${NODE_VERSION}, built in ${seconds.toFixed(1)} s into ${build.outDir}`,
    `${'file'.padEnd(28)} ${'size'.padStart(10)} ${'xz -6'.padStart(10)}`,
    ...rows.map(([name, size, xz]) => `${name.padEnd(28)} ${size.padStart(10)} ${xz.padStart(10)}`),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}

async function checkReproducible(io: CliIo, first: AgentBuild, entry: string | undefined): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kubeseed-boot-'));
  try {
    const second = await buildAgent({ entry, outDir: dir });
    const differing = Object.keys(first.sha256).filter((name) => first.sha256[name] !== second.sha256[name]);
    if (differing.length > 0)
      throw new KubeseedError('integrity', `not reproducible: a second build differs in ${differing.join(', ')}`);
    io.stdout.write('reproducible: a second build gave the same bytes\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function define(command: Command, io: CliIo): void {
  command
    .option('--entry <file>', 'agent entry point to compile (default: $KUBESEED_AGENT_ENTRY or bootstrap/main.ts)')
    .option('--out <dir>', 'output directory', 'dist')
    .option('--script-only', 'only the agent script kubeseed-boot.cjs, for a Node.js the machine already has')
    .option('--check-reproducible', 'build a second time elsewhere and fail unless the bytes match')
    .option('--no-xz', 'skip the xz -6 sizes (about a minute on two cores)')
    .action(async (options: Options) => {
      const entry = options.entry === undefined ? undefined : resolve(options.entry);
      const outDir = resolve(options.out);
      if (options.scriptOnly) {
        io.stdout.write(`${await writeAgentScript({ entry, outDir })}\n`);
        return;
      }
      const started = performance.now();
      const build = await buildAgent({ entry, outDir });
      await report(io, build, (performance.now() - started) / 1000, options.xz);
      if (options.checkReproducible) await checkReproducible(io, build, entry);
    });
}
