// One agent at a time: two walks over the phases would run kubeadm twice and write the
// same files from two processes. `run`, `phase` and `reset` take the lock before they read
// anything; a second one (a second unit, a hand-started run, a boot racing a slow first)
// stops at once and names the holder. `status` and `version` only read, and never wait.
// The maintenance timers' commands (`certs renew`, `etcd snapshot`) wait for it instead:
// a timer that fires while the node bootstraps, resets or runs the other timer's command
// should run after it, not fail beside it.
import { KubeseedError } from '../core/errors.ts';
import type { Host } from './host.ts';
import type { PhaseLog } from './log.ts';

const LOCK_NAME = 'agent';
/**
 * How long a maintenance command waits, in base delays (15 min on a machine): longer than
 * a certificate renewal or a reset takes, whose commands time out within about 10 min.
 */
const MAINTENANCE_WAIT_BASE_DELAYS = 900;
const POLL_BASE_DELAYS = 2;

interface Holder {
  pid: number;
  command: string;
  since: string;
}

function describeHolder(text: string | undefined): string {
  try {
    const holder = JSON.parse(text ?? '') as Holder;
    return `pid ${holder.pid} (\`${holder.command}\`, since ${holder.since})`;
  } catch {
    return 'a process that did not say which (it may be too busy to answer)';
  }
}

function tryLock(host: Host, command: string) {
  const me: Holder = { pid: process.pid, command, since: host.now().toISOString() };
  return host.lock(LOCK_NAME, JSON.stringify(me));
}

function duration(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** Takes the agent lock or throws naming its holder; returns the release. */
export async function holdAgentLock(host: Host, command: string): Promise<() => Promise<void>> {
  const attempt = await tryLock(host, command);
  if (attempt.held) return attempt.release;
  throw new KubeseedError(
    'busy',
    `another kubeseed-boot is already at work on this machine: ${describeHolder(attempt.holder)}. This one stops without changing anything; follow the other with \`journalctl -u kubeseed-boot -f\` and run this again once it has finished`,
  );
}

/**
 * Takes the agent lock, waiting a bounded while for its holder to finish; returns the
 * release, or throws naming the holder. `work` is what waits, for the log: "etcd snapshot".
 */
export async function awaitAgentLock(
  host: Host,
  command: string,
  log: PhaseLog,
  work: string,
): Promise<() => Promise<void>> {
  let attempt = await tryLock(host, command);
  if (attempt.held) return attempt.release;
  const limitMs = MAINTENANCE_WAIT_BASE_DELAYS * host.retryBaseDelayMs;
  log.info(`waiting up to ${duration(limitMs)} for ${describeHolder(attempt.holder)} to finish before the ${work}`);
  const deadline = host.now().getTime() + limitMs;
  while (host.now().getTime() < deadline) {
    await host.sleep(POLL_BASE_DELAYS * host.retryBaseDelayMs);
    attempt = await tryLock(host, command);
    if (attempt.held) {
      log.info(`the other kubeseed-boot has finished; going on with the ${work}`);
      return attempt.release;
    }
  }
  throw new KubeseedError(
    'busy',
    `another kubeseed-boot still holds this machine after ${duration(limitMs)}: ${describeHolder(attempt.holder)}. The ${work} did not run; its timer tries again at the next slot, or run \`${command}\` once the other has finished (\`journalctl -t kubeseed-boot -f\` follows it)`,
  );
}
