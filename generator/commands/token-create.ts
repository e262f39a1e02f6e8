// `kubeseed token create [--ttl 24h]`: a new bootstrap token, registered and signed into
// cluster-info before it is printed.
import type { Command } from 'commander';
import { tokenCreate } from '../day-two/cluster-commands.ts';
import { clusterTarget, seconds, type TargetOptions, targetOptions } from './cluster-target.ts';
import type { CliIo } from './io.ts';

export function define(command: Command, io: CliIo): void {
  targetOptions(command)
    .option('--ttl <duration>', 'how long the token is valid; 0 never expires', '24h')
    .option('--description <text>', 'kept with the token in the cluster')
    .action(async (options: TargetOptions & { ttl: string; description?: string }) => {
      await tokenCreate(
        await clusterTarget(options, io),
        {
          ttlSeconds: seconds(options.ttl, '--ttl'),
          ...(options.description === undefined ? {} : { description: options.description }),
        },
        io,
      );
    });
}
