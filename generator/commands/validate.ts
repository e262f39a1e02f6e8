// `kubeseed validate -f FILE`: every problem of a cluster spec at once, none written.
import type { Command } from 'commander';
import type { CliIo } from './io.ts';
import { readSpecFile } from './spec-file.ts';

export function define(command: Command, io: CliIo): void {
  command.requiredOption('-f, --file <path>', 'the cluster spec').action(async (options: { file: string }) => {
    const spec = await readSpecFile(options.file, io);
    io.stdout.write(`${options.file}: valid (cluster "${spec.name}", ${spec.nodes.length} nodes)\n`);
  });
}
