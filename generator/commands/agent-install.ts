// `kubeseed agent install --root DIR`: bakes kubeseed-boot, its unit (enabled) and the
// add-on templates, and air-gap archives, into a machine image's root filesystem.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { KubeseedError } from '../../core/errors.ts';
import { AGENT_ARCHES, agentBinaryName } from '../../images/agent-binary/targets.ts';
import { installAgent } from '../../images/install-agent.ts';
import type { CliIo } from './io.ts';

interface Options {
  root: string;
  arch: string;
  binary?: string;
  images: string[];
}

export function define(command: Command, io: CliIo): void {
  command
    .requiredOption('--root <dir>', "the image's root filesystem")
    .option('--arch <arch>', `the image's architecture: ${AGENT_ARCHES.join(' or ')}`, 'amd64')
    .option('--binary <file>', 'the agent binary (default: dist/kubeseed-boot-linux-ARCH, which `agent build` makes)')
    .option(
      '--images <file>',
      'an air-gap archive (kubeseed images archive) to put in /var/lib/kubeseed/images; repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [],
    )
    .action(async (options: Options) => {
      const arch = AGENT_ARCHES.find((candidate) => candidate === options.arch);
      if (!arch)
        throw new KubeseedError('usage', `--arch ${options.arch} is unknown; expected ${AGENT_ARCHES.join(' or ')}`);
      await installAgent({
        root: resolve(options.root),
        arch,
        binary: resolve(options.binary ?? `dist/${agentBinaryName(arch)}`),
        archives: options.images.map((file) => resolve(file)),
        report: (line) => io.stdout.write(`${line}\n`),
      });
    });
}
