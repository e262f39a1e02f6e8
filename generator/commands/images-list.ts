// `kubeseed images list -f cluster.yaml | --kubernetes-version V`: every image the cluster
// (or a cluster of that version) needs, one per line.
import type { Command } from 'commander';
import { addSelectionOptions, type SelectionOptions, selectedImages } from './image-selection.ts';
import type { CliIo } from './io.ts';

export function define(command: Command, io: CliIo): void {
  addSelectionOptions(command).action(async (options: SelectionOptions) => {
    io.stdout.write((await selectedImages(options, io)).map((image) => `${image}\n`).join(''));
  });
}
