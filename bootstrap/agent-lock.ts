// One agent at a time: two walks over the phases would run kubeadm twice and write the
// same files from two processes. `run`, `phase` and `reset` take the lock before they read
// anything; a second one (a second unit, a hand-started run, a boot racing a slow first)
// stops at once and names the holder. `status` and `version` only read, and never wait.
import { KubeseedError } from '../core/errors.ts';
import type { Host } from './host.ts';

const LOCK_NAME = 'agent';

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

/** Takes the agent lock or throws naming its holder; returns the release. */
export async function holdAgentLock(host: Host, command: string): Promise<() => Promise<void>> {
  const me: Holder = { pid: process.pid, command, since: host.now().toISOString() };
  const attempt = await host.lock(LOCK_NAME, JSON.stringify(me));
  if (attempt.held) return attempt.release;
  throw new KubeseedError(
    'busy',
    `another kubeseed-boot is already at work on this machine: ${describeHolder(attempt.holder)}. This one stops without changing anything; follow the other with \`journalctl -u kubeseed-boot -f\` and run this again once it has finished`,
  );
}
