// The kubeseed-boot command line. Every command walks the same phase list; output goes
// through the Host, so tests run the CLI in-process as well as in a child process.
import { Argument, Command, InvalidArgumentError } from 'commander';
import { EXIT_FAILURE, runCommandLine } from '../core/command-line.ts';
import { formatError, KubeseedError } from '../core/errors.ts';
import { BUNDLE_PATH, type NodeBundle, parseBundle } from '../core/node-bundle.ts';
import { holdAgentLock } from './agent-lock.ts';
import { AgentContext } from './context.ts';
import type { Host } from './host.ts';
import { loadBundle } from './load-bundle.ts';
import { Logger } from './log.ts';
import { certsRenew, certsTable, etcdSnapshot, leftTheCluster, statusAddendum } from './maintenance/commands.ts';
import { describeGuard } from './metadata-guard.ts';
import { COMPLETED_PATH } from './paths.ts';
import { PHASES } from './phases.ts';
import { redact } from './redact.ts';
import { resetNode } from './reset.ts';
import { Runner } from './runner.ts';
import { scrubSecrets } from './secrets-at-rest.ts';
import { readState, StateJournal } from './state.ts';
import { formatStatus } from './status.ts';
import { AGENT_VERSION } from './version.ts';

const PHASE_NAMES = PHASES.map((phase) => phase.name).join(', ');
const PHASE_NAME_WIDTH = Math.max(...PHASES.map((phase) => phase.name.length));

function absolutePath(value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError('needs an absolute path');
  return value;
}

function phaseList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !PHASES.some((phase) => phase.name === name));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`unknown phase ${unknown.join(', ')}; the phases are: ${PHASE_NAMES}`);
  return names;
}

function describe(error: unknown): string {
  const text =
    error instanceof KubeseedError ? formatError(error) : `internal error: ${(error as Error)?.stack ?? String(error)}`;
  return redact(text);
}

/** cloud-init writes its copies of the user-data again at every boot; a node bootstrapped by an older agent was never scrubbed. */
async function scrubAgain(host: Host, logger: Logger, bundlePath: string): Promise<void> {
  const log = logger.for('run');
  const text = await host.readFile(bundlePath);
  if (text === undefined) return;
  let bundle: NodeBundle;
  try {
    bundle = parseBundle(text);
  } catch (error) {
    log.warn(`cannot scrub the secrets at rest: ${describe(error)}`);
    return;
  }
  await scrubSecrets(host, log, bundlePath, bundle);
}

function program(host: Host, logger: Logger, argv: readonly string[]): Command {
  const commandLine = ['kubeseed-boot', ...argv].join(' ');
  /** The commands that change the machine take the agent lock first (agent-lock.ts): one at a time. */
  const locked = async (work: () => Promise<void>): Promise<void> => {
    const release = await holdAgentLock(host, commandLine);
    try {
      await work();
    } finally {
      await release();
    }
  };
  const root = new Command('kubeseed-boot')
    .description('bootstraps this machine as a node of a kubeseed cluster, from the node bundle its carrier wrote')
    .version(`kubeseed-boot ${AGENT_VERSION}`, '--version', 'print the version')
    .option('--bundle <path>', 'the node bundle (absolute path)', absolutePath, BUNDLE_PATH)
    .helpCommand('help [command]', 'show the help of a command')
    .configureHelp({ showGlobalOptions: true });
  const bundlePath = () => root.opts<{ bundle: string }>().bundle;
  const runner = new Runner(PHASES, async () => {
    const journal = await StateJournal.open(host);
    const bundle = await loadBundle(host, bundlePath(), logger, journal);
    return new AgentContext(host, bundle, bundlePath(), logger, journal, PHASES);
  });

  root
    .command('run')
    .description('run every phase not done yet (the systemd unit runs this)')
    .option('--skip-phases <names>', `phases not to run, comma-separated (${PHASE_NAMES})`, phaseList)
    .action((options: { skipPhases?: string[] }) =>
      locked(async () => {
        if (await leftTheCluster(host, logger)) return;
        const journal = await StateJournal.open(host);
        // Only a finish recorded done: a crash inside finish leaves it running, and the walk repairs that.
        if (journal.record('finish').status === 'done' && (await host.stat(COMPLETED_PATH))) {
          // A bundle was validated before finish was recorded: this boot belongs in the node's log too.
          logger.startRecording();
          logger.write(
            'INFO',
            'run',
            `node bootstrapped at ${journal.state.completedAt}; nothing to do (\`kubeseed-boot reset\` to start over)`,
          );
          await scrubAgain(host, logger, bundlePath());
          return;
        }
        await runner.run({ skip: options.skipPhases ?? [] });
      }),
    );

  root
    .command('status')
    .description("show each phase's state, time and last error")
    .action(async () => {
      host.print(
        'stdout',
        `${formatStatus(await readState(host), PHASES)}${await describeGuard(host)}\n${await statusAddendum(host)}`,
      );
    });

  root
    .command('phase')
    .description('run one phase; one that is done only with --force')
    .argument('<name>', 'the phase')
    .addHelpText(
      'after',
      `\nPhases, in the order \`run\` walks them:\n${PHASES.map((phase) => `  ${phase.name.padEnd(PHASE_NAME_WIDTH)} ${phase.summary}`).join('\n')}`,
    )
    .option('--force', 'run it even when it is done and its effects are in place')
    .action((name: string, options: { force?: boolean }) =>
      locked(() => runner.run({ only: name, force: options.force ?? false })),
    );

  root
    .command('reset')
    .description(
      'leave the cluster: kubeadm reset -f, the CNI configuration, the timers and what kubeseed-boot wrote; `run` does not join again',
    )
    .option('--iptables', "also flush iptables, ip6tables and IPVS (kube-proxy's rules outlive kubeadm reset)")
    .action((options: { iptables?: boolean }) =>
      locked(async () => {
        logger.startRecording();
        await resetNode(host, logger, bundlePath(), { iptables: options.iptables ?? false });
      }),
    );

  root
    .command('certs')
    .description(
      'control planes: the certificate expiry table; `certs renew` renews all when one expires within 30 days',
    )
    .addArgument(new Argument('[action]', 'renew: what the monthly timer runs').choices(['renew']))
    .action(async (action?: string) => {
      if (action === 'renew') await certsRenew(host, logger, commandLine);
      else await certsTable(host);
    });

  root
    .command('etcd')
    .description('control planes: `etcd snapshot` saves an etcd snapshot now (the timer does every 12 h)')
    .addArgument(new Argument('<action>', 'snapshot').choices(['snapshot']))
    .action(async () => {
      await etcdSnapshot(host, logger, commandLine);
    });

  root
    .command('version')
    .description('print the version')
    .action(() => {
      host.print('stdout', `kubeseed-boot ${AGENT_VERSION}\n`);
    });
  return root;
}

/**
 * What trying again cannot fix without a person: a checksum, signature or key that does not
 * match its pin, or a machine kubeseed cannot install on. The unit does not restart on it.
 */
export const EXIT_NEEDS_OPERATOR = 3;

function failureCode(error: unknown): number {
  const needsOperator = error instanceof KubeseedError && (error.code === 'integrity' || error.code === 'unsupported');
  return needsOperator ? EXIT_NEEDS_OPERATOR : EXIT_FAILURE;
}

/** Runs one invocation; returns the exit code (0 success, 1 failure, 2 usage error, 3 needs an operator). */
export async function runCli(argv: string[], host: Host): Promise<number> {
  const logger = new Logger(host);
  const output = {
    out: (text: string) => host.print('stdout', text),
    err: (text: string) => host.print('stderr', text),
  };
  try {
    return await runCommandLine(program(host, logger, argv), argv, output, describe, failureCode);
  } finally {
    await logger.flush();
  }
}
