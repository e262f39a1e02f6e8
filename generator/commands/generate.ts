// `kubeseed generate -f FILE -o DIR`: the cluster's state, made once, and one node bundle
// with its carrier per machine.
import type { Command } from 'commander';
import { KubeseedError } from '../../core/errors.ts';
import { findPlatform, PLATFORMS } from '../carriers/size-budgets.ts';
import { generate } from '../generate.ts';
import { OUTPUT_LAYOUTS, type OutputLayout } from '../outputs.ts';
import { podNetworkTemplate } from '../pod-network-template.ts';
import { renderSummary } from '../summary.ts';
import type { CliIo } from './io.ts';
import { readSpecFile } from './spec-file.ts';

interface Options {
  file: string;
  out: string;
  state?: string;
  platform?: string;
  freshToken: string[];
  layout: string;
}

export function define(command: Command, io: CliIo): void {
  command
    .requiredOption('-f, --file <path>', 'the cluster spec')
    .requiredOption('-o, --out <dir>', 'where the node outputs, admin.conf and nodes.json go')
    .option('--state <dir>', "where the cluster's secrets live (default: OUT/state)")
    .option(
      '--platform <name>',
      `fit user-data to a platform's size limit (${PLATFORMS.map((platform) => platform.name).join(', ')})`,
    )
    .option(
      '--fresh-token <node>',
      'give a node generated before a new bootstrap token (a replaced machine, an expired token); repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--layout <kind>',
      "files: each node's files under OUT/nodes/NAME/; json: all of them inside OUT/nodes.json (Terraform, Ansible)",
      'files',
    )
    .action(async (options: Options) => {
      if (!(OUTPUT_LAYOUTS as readonly string[]).includes(options.layout)) {
        throw new KubeseedError(
          'usage',
          `--layout ${options.layout} is unknown; expected one of: ${OUTPUT_LAYOUTS.join(', ')}`,
        );
      }
      const platform = options.platform === undefined ? undefined : findPlatform(options.platform);
      if (options.platform !== undefined && !platform) {
        throw new KubeseedError(
          'usage',
          `--platform ${options.platform} is unknown; expected one of: ${PLATFORMS.map((p) => p.name).join(', ')}`,
        );
      }
      const spec = await readSpecFile(options.file, io);
      const result = await generate(spec, {
        outDir: options.out,
        ...(options.state === undefined ? {} : { stateDir: options.state }),
        ...(platform ? { platform } : {}),
        layout: options.layout as OutputLayout,
        podNetwork: podNetworkTemplate(spec.podNetwork),
        now: new Date(),
        freshTokens: options.freshToken,
      });
      for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
      for (const added of result.addedTokens) {
        io.stderr.write(
          `registered bootstrap token ${added.tokenId} for ${added.node} in the cluster (${added.expires ? `expires ${added.expires.toISOString()}` : 'never expires'})\n`,
        );
      }
      io.stdout.write(renderSummary(spec, result.nodes, options.out, result.stateDir, result.createdState));
    });
}
