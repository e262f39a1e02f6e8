// The runner's data initializer (kubeadm's SetDataInitializer): reads and validates the
// whole node bundle before any phase runs (Ignition's rule: an invalid config never
// half-applies). Until it succeeds the agent writes nothing, not even its log or state.
import { KubeseedError } from '../core/errors.ts';
import { type NodeBundle, parseBundle } from '../core/node-bundle.ts';
import { requireSecrets } from './fresh-bundle.ts';
import type { Host } from './host.ts';
import type { Logger } from './log.ts';
import type { StateJournal } from './state.ts';

/** The label of this step's log lines; it is not a phase. */
const LOG_LABEL = 'bundle';

export async function loadBundle(host: Host, path: string, logger: Logger, journal: StateJournal): Promise<NodeBundle> {
  const text = await host.readFile(path);
  if (text === undefined) {
    throw new KubeseedError(
      'io',
      `no node bundle at ${path}: the machine's carrier (cloud-init, Ignition, seed ISO) writes it; pass --bundle PATH to read another file`,
    );
  }
  const bundle = parseBundle(text, path);
  // A scrubbed bundle serves a bootstrapped node only; refused before anything is written.
  if (journal.record('kubeadm').status !== 'done')
    requireSecrets(bundle, path, 'bootstrapping this node (kubeadm has not run here)');
  // A valid bundle is what allows the agent to write anything at all, its own records included.
  logger.startRecording();
  await journal.startRecording();
  const log = logger.for(LOG_LABEL);
  const mode = (await host.stat(path))?.mode ?? 0;
  if (mode & 0o077)
    log.warn(`${path} is readable by others (mode ${mode.toString(8)}); it holds secrets: make it 0600`);
  log.info(
    `${path}: node ${bundle.node.name} (${bundle.node.role}, ${bundle.node.arch}) of cluster ${bundle.cluster.name}, Kubernetes ${bundle.cluster.kubernetesVersion}${bundle.scrubbedAt === undefined ? '' : `; scrubbed at ${bundle.scrubbedAt}`}`,
  );
  return bundle;
}
