// `kubeseed token list`: the cluster's bootstrap tokens, by id; never a secret.
import type { Command } from 'commander';
import { tokenList } from '../day-two/cluster-commands.ts';
import { clusterTarget, type TargetOptions, targetOptions } from './cluster-target.ts';
import type { CliIo } from './io.ts';

export function define(command: Command, io: CliIo): void {
  targetOptions(command).action(async (options: TargetOptions) => {
    await tokenList(await clusterTarget(options, io), io);
  });
}
