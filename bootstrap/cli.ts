// The kubeseed-boot command line. Every command walks the same phase list; output goes
// through the Host, so tests run the CLI in-process as well as in a child process.
import { parseArgs } from 'node:util';
import { BUNDLE_PATH } from '../core/node-bundle.ts';
import { formatError, KubeseedError } from '../core/errors.ts';
import type { Host } from './host.ts';
import { AgentContext } from './context.ts';
import { Logger } from './log.ts';
import { COMPLETED_PATH } from './paths.ts';
import { PHASES } from './phases.ts';
import { redact } from './redact.ts';
import { resetNode } from './reset.ts';
import { runAll, runOne } from './runner.ts';
import { StateJournal, readState } from './state.ts';
import { formatStatus } from './status.ts';
import { AGENT_VERSION } from './version.ts';

const USAGE = `Usage: kubeseed-boot <command> [--bundle PATH]

Commands:
  run          run every phase not done yet (the systemd unit runs this)
  status       show each phase's state, time and last error
  phase NAME   run one phase (after load); phases: ${PHASES.map((phase) => phase.name).join(', ')}
  reset        kubeadm reset -f, remove what kubeseed-boot wrote, clear its state
  version      print the version

Options:
  --bundle PATH   the node bundle (default ${BUNDLE_PATH})
  -h, --help      show this help
`;

function usageError(message: string): KubeseedError {
  return new KubeseedError('usage', `${message}\n\n${USAGE}`);
}

interface Invocation {
  command: string;
  args: string[];
  bundlePath: string;
  help: boolean;
}

function parse(argv: string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { bundle: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const [command = '', ...args] = parsed.positionals;
  const bundlePath = parsed.values.bundle ?? BUNDLE_PATH;
  if (!bundlePath.startsWith('/'))
    throw usageError(`--bundle needs an absolute path, not ${JSON.stringify(bundlePath)}`);
  return { command, args, bundlePath, help: parsed.values.help ?? false };
}

function expectArgs(invocation: Invocation, count: number): void {
  if (invocation.args.length !== count)
    throw usageError(`\`${invocation.command}\` takes ${count === 0 ? 'no arguments' : `${count} argument`}`);
}

async function run(host: Host, logger: Logger, invocation: Invocation): Promise<void> {
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
    return;
  }
  await runAll(new AgentContext(host, invocation.bundlePath, logger, journal, PHASES));
}

async function phase(host: Host, logger: Logger, invocation: Invocation): Promise<void> {
  expectArgs(invocation, 1);
  const name = invocation.args[0]!;
  if (!PHASES.some((candidate) => candidate.name === name)) throw usageError(`unknown phase ${JSON.stringify(name)}`);
  const journal = await StateJournal.open(host);
  await runOne(new AgentContext(host, invocation.bundlePath, logger, journal, PHASES), name);
}

async function dispatch(host: Host, logger: Logger, invocation: Invocation): Promise<void> {
  switch (invocation.command) {
    case 'run':
      expectArgs(invocation, 0);
      return run(host, logger, invocation);
    case 'phase':
      return phase(host, logger, invocation);
    case 'status':
      expectArgs(invocation, 0);
      host.print('stdout', formatStatus(await readState(host), PHASES));
      return;
    case 'reset':
      expectArgs(invocation, 0);
      logger.startRecording();
      return resetNode(host, logger);
    case 'version':
      expectArgs(invocation, 0);
      host.print('stdout', `kubeseed-boot ${AGENT_VERSION}\n`);
      return;
    case '':
      throw usageError('a command is required');
    default:
      throw usageError(`unknown command ${JSON.stringify(invocation.command)}`);
  }
}

/** Runs one invocation; returns the exit code (0 success, 1 failure, 2 usage error). */
export async function runCli(argv: string[], host: Host): Promise<number> {
  const logger = new Logger(host);
  try {
    const invocation = parse(argv);
    if (invocation.help) {
      host.print('stdout', USAGE);
      return 0;
    }
    await dispatch(host, logger, invocation);
    return 0;
  } catch (error) {
    const text =
      error instanceof KubeseedError
        ? formatError(error)
        : `internal error: ${(error as Error)?.stack ?? String(error)}`;
    host.print('stderr', `error: ${redact(text)}\n`);
    return error instanceof KubeseedError && error.code === 'usage' ? 2 : 1;
  } finally {
    await logger.flush();
  }
}
