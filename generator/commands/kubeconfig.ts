// `kubeseed kubeconfig [--ttl 8h] [--user NAME --group G]`: a kubeconfig whose client
// certificate, signed from the state's cluster CA, lives hours.
import type { Command } from 'commander';
import { kubeconfig } from '../day-two/cluster-commands.ts';
import { clusterTarget, seconds, type TargetOptions, targetOptions } from './cluster-target.ts';
import type { CliIo } from './io.ts';

interface Options extends TargetOptions {
  ttl: string;
  user?: string;
  group: string[];
  write?: string;
}

export function define(command: Command, io: CliIo): void {
  targetOptions(command)
    .option('--ttl <duration>', 'how long the certificate is valid', '8h')
    .option('--user <name>', 'the user (certificate CN; default kubernetes-admin)')
    .option(
      '--group <name>',
      'a group (certificate O), repeatable; none: kubeadm:cluster-admins',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--write <path>', 'write it to this file (0600) instead of printing it')
    .action(async (options: Options) => {
      await kubeconfig(
        await clusterTarget(options, io),
        {
          ttlSeconds: seconds(options.ttl, '--ttl'),
          ...(options.user === undefined ? {} : { user: options.user }),
          ...(options.group.length === 0 ? {} : { groups: options.group }),
          ...(options.write === undefined ? {} : { write: options.write }),
        },
        io,
      );
    });
}
