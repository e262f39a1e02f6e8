// `kubeseed media seed --node NAME -o FILE.iso`: a NoCloud seed image with the node's
// user-data, meta-data and network-config, made without root.
import type { Command } from 'commander';
import { atomicWrite } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { loadNodeOutputs } from '../media/node-outputs.ts';
import { buildSeedIso, SEED_VOLUME_ID } from '../media/seed.ts';
import type { CliIo } from './io.ts';

interface Options {
  node: string;
  out: string;
  from: string;
}

export function define(command: Command, io: CliIo): void {
  command
    .requiredOption('--node <name>', 'the node, as named in cluster.yaml')
    .requiredOption('-o, --out <file>', 'the ISO to write')
    .option('--from <dir>', "generate's output directory", 'out')
    .action(async (options: Options) => {
      const node = await loadNodeOutputs(options.from, options.node);
      const iso = buildSeedIso(node);
      // The seed holds the node bundle (a control plane's carries the cluster's CA keys).
      await atomicWrite(options.out, iso, { mode: 0o600 }).catch((error: Error) => {
        throw new KubeseedError('io', `cannot write ${options.out}: ${error.message}`);
      });
      io.stdout.write(
        `${options.out}: NoCloud seed for ${options.node} (ISO 9660, label ${SEED_VOLUME_ID}, ${iso.length} bytes)\n`,
      );
    });
}
