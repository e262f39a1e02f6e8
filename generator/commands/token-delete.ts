// `kubeseed token delete ID`: the token's Secret removed; nodes can no longer join with it.
import type { Command } from 'commander';
import { tokenDelete } from '../day-two/cluster-commands.ts';
import { clusterTarget, type TargetOptions, targetOptions } from './cluster-target.ts';
import type { CliIo } from './io.ts';

export function define(command: Command, io: CliIo): void {
  targetOptions(command.argument('<id>', 'the token id (the 6 characters before the dot)')).action(
    async (id: string, options: TargetOptions) => {
      await tokenDelete(await clusterTarget(options, io), id, io);
    },
  );
}
