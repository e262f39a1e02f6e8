// `kubeseed media pi --node NAME (--image FILE.img | --boot-dir DIR)`: the node's NoCloud
// files in a Raspberry Pi image's boot partition (Ubuntu system-boot or Raspberry Pi OS
// bootfs), or in one already mounted, and the memory cgroup on the kernel command line.
import type { Command } from 'commander';
import { KubeseedError } from '../../core/errors.ts';
import { loadNodeOutputs } from '../media/node-outputs.ts';
import { MEMORY_CGROUP_FLAGS, writePiBootDir, writePiImage } from '../media/pi.ts';
import type { CliIo } from './io.ts';

interface Options {
  node: string;
  image?: string;
  bootDir?: string;
  from: string;
}

export function define(command: Command, io: CliIo): void {
  command
    .requiredOption('--node <name>', 'the node, as named in cluster.yaml (an arm64 one)')
    .option('--image <file>', 'a Raspberry Pi disk image (.img) to write into')
    .option('--boot-dir <dir>', 'a boot partition that is already mounted')
    .option('--from <dir>', "generate's output directory", 'out')
    .action(async (options: Options) => {
      if ((options.image === undefined) === (options.bootDir === undefined)) {
        throw new KubeseedError('usage', 'give exactly one of --image FILE.img or --boot-dir DIR');
      }
      const node = await loadNodeOutputs(options.from, options.node);
      const result =
        options.image === undefined
          ? await writePiBootDir(options.bootDir!, node)
          : await writePiImage(options.image, node, io.stderr);
      const cmdline = result.cmdlineChanged
        ? `cmdline.txt now has ${MEMORY_CGROUP_FLAGS.join(' ')}`
        : 'cmdline.txt already had the memory cgroup';
      io.stdout.write(`${result.where}: user-data, meta-data and network-config for ${options.node}; ${cmdline}\n`);
    });
}
