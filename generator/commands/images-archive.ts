// `kubeseed images archive -f cluster.yaml | --kubernetes-version V --arch amd64[,arm64] -o FILE`:
// pulls a cluster's images (or --images) into one deduplicated OCI archive FILE and
// FILE.sha256, for air-gapped sites.
import type { Command } from 'commander';
import { KubeseedError } from '../../core/errors.ts';
import { archiveImages } from '../../images/image-archive.ts';
import { formatBytes, stderrProgress } from '../../images/progress.ts';
import { parseArches } from '../../images/registry/platform.ts';
import { addSelectionOptions, explicitImages, type SelectionOptions, selectedImages } from './image-selection.ts';
import type { CliIo } from './io.ts';

interface Options extends SelectionOptions {
  arch?: string;
  output?: string;
  insecure: boolean;
  images?: string;
}

export function define(command: Command, io: CliIo): void {
  addSelectionOptions(command)
    .option('--arch <arches>', 'the architectures of the machines that will import it: amd64, arm64 or amd64,arm64')
    .option('-o, --output <file>', 'the archive to write (FILE.sha256 beside it)')
    .option('--insecure', 'reach registries without TLS over plain HTTP (a local mirror)', false)
    .option('--images <file|list>', "archive these images (a file, one a line, or A,B,…) instead of a version's list")
    .action(async (options: Options) => {
      if (options.arch === undefined)
        throw new KubeseedError(
          'usage',
          '--arch is required: the architectures of the machines that will import the archive (amd64, arm64 or amd64,arm64)',
        );
      if (options.output === undefined) throw new KubeseedError('usage', '-o FILE is required (e.g. -o images.tar)');
      if (options.images !== undefined && (options.kubernetesVersion !== undefined || options.file !== undefined)) {
        throw new KubeseedError(
          'usage',
          '--images replaces the list -f or --kubernetes-version makes: give one of them',
        );
      }
      const arches = parseArches(options.arch);
      const images = options.images === undefined ? await selectedImages(options, io) : explicitImages(options.images);
      const result = await archiveImages({
        images,
        arches,
        output: options.output,
        insecure: options.insecure,
        progress: stderrProgress(io.stderr),
      });
      io.stdout.write(
        `${result.archive}: ${result.images.length} images for ${arches.map((arch) => `linux/${arch}`).join(', ')}, ${result.blobs} blobs, ${formatBytes(result.size)}\n` +
          `${result.checksumFile}: sha256 ${result.sha256}\n`,
      );
    });
}
