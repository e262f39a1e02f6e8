// The kubeseed command line. Errors reach the user as `error: …` lines without a stack:
// exit 1 for bad input, 2 for bad usage.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { KubeseedError, formatError, formatProblem, type Problem } from '../core/errors.ts';
import { PLATFORMS, findPlatform } from './carriers/size-budgets.ts';
import { IMAGES_USAGE, imagesCommand } from '../images/archive-command.ts';
import { generate } from './generate.ts';
import { MEDIA_USAGE, mediaCommand } from './media-command.ts';
import { podNetworkTemplate } from './pod-network-template.ts';
import { loadSpec } from './spec/load.ts';
import { renderSummary } from './summary.ts';

const USAGE = `Usage: kubeseed <command> [options]

Commands:
  init                         print an annotated example cluster.yaml
  validate -f FILE             check a cluster spec; every problem with its field and line:column
  generate -f FILE -o DIR      make the cluster's state and one node bundle + carrier per machine
      [--state DIR]            where the cluster's secrets live (default DIR/state)
      [--platform NAME]        fit user-data to a platform's size limit (${PLATFORMS.map((p) => p.name).join(', ')})
${MEDIA_USAGE}${IMAGES_USAGE}  help                         this text
`;

class UsageError extends KubeseedError {
  constructor(message: string) {
    super('usage', message);
  }
}

function options(args: string[], spec: Record<string, { type: 'string'; short?: string }>) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values as Record<
      string,
      string | undefined
    >;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(values: Record<string, string | undefined>, name: string): string {
  const value = values[name];
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

async function readSpec(file: string) {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new KubeseedError('io', `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  try {
    return loadSpec(text, file);
  } catch (error) {
    if (error instanceof KubeseedError)
      throw new KubeseedError(error.code, `${file}: ${error.message}`, error.problems);
    throw error;
  }
}

function printWarnings(warnings: readonly Problem[]): void {
  for (const warning of warnings) process.stderr.write(`${formatProblem(warning)}\n`);
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async init(args) {
    options(args, {});
    process.stdout.write(readFileSync(new URL('../examples/cluster.yaml', import.meta.url), 'utf8'));
  },
  async validate(args) {
    const file = required(options(args, { file: { type: 'string', short: 'f' } }), 'file');
    const { spec, warnings } = await readSpec(file);
    printWarnings(warnings);
    process.stdout.write(`${file}: valid (cluster "${spec.name}", ${spec.nodes.length} nodes)\n`);
  },
  async generate(args) {
    const values = options(args, {
      file: { type: 'string', short: 'f' },
      out: { type: 'string', short: 'o' },
      state: { type: 'string' },
      platform: { type: 'string' },
    });
    const file = required(values, 'file');
    const outDir = required(values, 'out');
    const platform = values.platform === undefined ? undefined : findPlatform(values.platform);
    if (values.platform !== undefined && !platform) {
      throw new UsageError(
        `--platform ${values.platform} is unknown; expected one of: ${PLATFORMS.map((p) => p.name).join(', ')}`,
      );
    }
    const { spec, warnings } = await readSpec(file);
    printWarnings(warnings);
    const result = await generate(spec, {
      outDir,
      ...(values.state === undefined ? {} : { stateDir: values.state }),
      ...(platform ? { platform } : {}),
      podNetwork: podNetworkTemplate(spec.podNetwork),
      now: new Date(),
    });
    process.stdout.write(renderSummary(spec, result.nodes, outDir, result.stateDir, result.createdState));
  },
  media: mediaCommand,
  images: imagesCommand,
  async help() {
    process.stdout.write(USAGE);
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined || name === '--help' || name === '-h' ? commands.help! : commands[name];
  try {
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    await command(args);
    return 0;
  } catch (error) {
    if (!(error instanceof KubeseedError)) {
      process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
      return 1;
    }
    process.stderr.write(`error: ${formatError(error)}\n`);
    if (error.code === 'usage') process.stderr.write(`\n${USAGE}`);
    return error.code === 'usage' ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
