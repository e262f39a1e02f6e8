// The kubeseed command line. This file knows each command's name and one-line summary
// only; a command's module (commands/*.ts: its options and what it does, with everything
// that needs) is loaded when that command runs, so `kubeseed --help` loads none of them
// and `validate` only the spec loader. Errors reach the user as `error: …` without a
// stack: exit 1 for bad input, 2 for bad usage.
import { Command } from 'commander';
import { runCommandLine } from '../core/command-line.ts';
import { formatError, KubeseedError } from '../core/errors.ts';
import packageJson from '../package.json' with { type: 'json' };
import { type CliIo, processIo } from './commands/io.ts';

interface CommandModule {
  define(command: Command, io: CliIo): void;
}

interface Entry {
  name: string;
  summary: string;
  /** A command that runs: its module. */
  load?: () => Promise<CommandModule>;
  /** A group of commands. */
  commands?: Entry[];
}

const COMMANDS: Entry[] = [
  { name: 'init', summary: 'print an annotated example cluster.yaml', load: () => import('./commands/init.ts') },
  {
    name: 'validate',
    summary: 'check a cluster spec: every problem, with its field and line:column',
    load: () => import('./commands/validate.ts'),
  },
  {
    name: 'generate',
    summary: "make the cluster's state and one node bundle and carrier per machine",
    load: () => import('./commands/generate.ts'),
  },
  {
    name: 'token',
    summary: "the running cluster's bootstrap tokens, through its API",
    commands: [
      {
        name: 'list',
        summary: 'the tokens: id, expiry, usages and groups (never a secret)',
        load: () => import('./commands/token-list.ts'),
      },
      {
        name: 'create',
        summary: 'register a new token, wait until cluster-info is signed for it, print it',
        load: () => import('./commands/token-create.ts'),
      },
      { name: 'delete', summary: 'delete a token by its id', load: () => import('./commands/token-delete.ts') },
    ],
  },
  {
    name: 'kubeconfig',
    summary: "a kubeconfig with a short-lived client certificate from the state's cluster CA",
    load: () => import('./commands/kubeconfig.ts'),
  },
  {
    name: 'remove-node',
    summary: 'cordon and drain a node, remove its etcd member, delete the Node',
    load: () => import('./commands/remove-node.ts'),
  },
  {
    name: 'media',
    summary: "put a node's cloud-init files on what its machine boots from",
    commands: [
      {
        name: 'seed',
        summary: 'a NoCloud seed ISO (label cidata) with the user-data, meta-data and network-config',
        load: () => import('./commands/media-seed.ts'),
      },
      {
        name: 'pi',
        summary: "the same files in a Raspberry Pi image's boot partition, and the memory cgroup on",
        load: () => import('./commands/media-pi.ts'),
      },
    ],
  },
  {
    name: 'images',
    summary: 'the container images a cluster needs, listed or archived for air-gapped sites',
    commands: [
      {
        name: 'list',
        summary: 'every image a cluster of a Kubernetes version needs, one per line',
        load: () => import('./commands/images-list.ts'),
      },
      {
        name: 'archive',
        summary: 'pull them into one deduplicated OCI archive and its sha256',
        load: () => import('./commands/images-archive.ts'),
      },
    ],
  },
  {
    name: 'agent',
    summary: 'kubeseed-boot, the agent a machine runs at first boot',
    commands: [
      {
        name: 'build',
        summary: 'build it for amd64 and arm64: one self-contained executable each, and SHA256SUMS',
        load: () => import('./commands/agent-build.ts'),
      },
      {
        name: 'install',
        summary: "install it, its unit and the add-on templates into a machine image's root filesystem",
        load: () => import('./commands/agent-install.ts'),
      },
    ],
  },
];

/** The command `argv` runs (`help NAME…` shows one), if it names one. */
function invoked(argv: readonly string[]): string[] {
  const words = argv[0] === 'help' ? argv.slice(1) : argv;
  const path: string[] = [];
  let entries: Entry[] | undefined = COMMANDS;
  for (const word of words) {
    const entry: Entry | undefined = entries?.find((candidate) => candidate.name === word);
    if (!entry) break;
    path.push(entry.name);
    entries = entry.commands;
  }
  return path;
}

async function addCommands(parent: Command, entries: Entry[], path: string[], io: CliIo): Promise<void> {
  for (const entry of entries) {
    const command = parent.command(entry.name).summary(entry.summary).description(entry.summary);
    if (entry.commands) await addCommands(command, entry.commands, path[0] === entry.name ? path.slice(1) : [], io);
    else if (entry.load && path[0] === entry.name) (await entry.load()).define(command, io);
  }
}

function describe(error: unknown): string {
  if (error instanceof KubeseedError) return formatError(error);
  return (error as Error)?.message ?? String(error);
}

/** Runs one invocation; returns the exit code (0 success, 1 failure, 2 usage error). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = new Command('kubeseed')
    .description('turns a short cluster description into machines that build a Kubernetes cluster at first boot')
    .version(`kubeseed ${packageJson.version}`, '-V, --version', 'print the version')
    .helpCommand('help [command]', 'show the help of a command');
  await addCommands(program, COMMANDS, invoked(argv), io);
  const output = { out: (text: string) => io.stdout.write(text), err: (text: string) => io.stderr.write(text) };
  return runCommandLine(program, argv.length === 0 ? ['--help'] : argv, output, describe);
}
