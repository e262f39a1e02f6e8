// `kubeseed init`: the annotated example cluster.yaml, to start from.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../../core/package-root.ts';
import type { CliIo } from './io.ts';

export function define(command: Command, io: CliIo): void {
  command.action(async () => {
    io.stdout.write(await readFile(join(packageRoot(), 'examples', 'cluster.yaml'), 'utf8'));
  });
}
