// What every day-2 command needs to reach the cluster: the spec (for controlPlaneEndpoint)
// and the state directory (its CAs), given as generate took them: -o OUT or --state DIR.
import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.ts';
import { KubeseedError } from '../../core/errors.ts';
import type { ClusterTarget } from '../day-two/cluster-commands.ts';
import type { CliIo } from './io.ts';
import { readSpecFile } from './spec-file.ts';

export interface TargetOptions {
  file: string;
  out?: string;
  state?: string;
}

export function targetOptions(command: Command): Command {
  return command
    .requiredOption('-f, --file <path>', 'the cluster spec')
    .option('-o, --out <dir>', "generate's output directory (the state is OUT/state)")
    .option('--state <dir>', "the cluster's state directory, when it is not OUT/state");
}

export async function clusterTarget(options: TargetOptions, io: CliIo): Promise<ClusterTarget> {
  const stateDir = options.state ?? (options.out === undefined ? undefined : `${options.out}/state`);
  if (stateDir === undefined)
    throw new KubeseedError('usage', '-o DIR (the generate output) or --state DIR is required');
  return { spec: await readSpecFile(options.file, io), stateDir };
}

/** A duration option (8h, 90m, 30d) in seconds; its default stays text so help shows it as written. */
export function seconds(value: string, flag: string): number {
  const result = parseDuration(value);
  if (result === undefined) throw new KubeseedError('usage', `${flag} ${value} is not a duration like 8h, 90m or 30d`);
  return result;
}
