// `kubeseed remove-node NAME`: cordon, drain, remove its etcd member, delete the Node.
import type { Command } from 'commander';
import { removeNodeCommand } from '../day-two/cluster-commands.ts';
import { clusterTarget, seconds, type TargetOptions, targetOptions } from './cluster-target.ts';
import type { CliIo } from './io.ts';

export function define(command: Command, io: CliIo): void {
  targetOptions(command.argument('<name>', 'the node, as the cluster names it'))
    .option('--timeout <duration>', 'how long the drain may wait for PodDisruptionBudgets', '5m')
    .action(async (name: string, options: TargetOptions & { timeout: string }) => {
      await removeNodeCommand(
        await clusterTarget(options, io),
        name,
        { timeoutSeconds: seconds(options.timeout, '--timeout') },
        io,
      );
    });
}
