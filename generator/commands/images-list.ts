// `kubeseed images list --kubernetes-version V`: every image a cluster of that version
// needs, one per line.
import type { Command } from 'commander';
import { addSelectionOptions, type SelectionOptions, versionImages } from './image-selection.ts';
import type { CliIo } from './io.ts';

export function define(command: Command, io: CliIo): void {
  addSelectionOptions(command).action((options: SelectionOptions) => {
    io.stdout.write(
      versionImages(options)
        .map((image) => `${image}\n`)
        .join(''),
    );
  });
}
