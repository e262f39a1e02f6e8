// Once the node is bootstrapped its secrets leave the disk: the bundle is rewritten
// without private keys or the token secret (kubeadm keeps what it needs in
// /etc/kubernetes/pki), the kubeadm configuration (it holds the token) goes, and so do
// the carriers' copies of the user-data. Run by `finish`, and again at every later boot:
// cloud-init writes its copies again from a datasource that still serves the user-data.
// Every file touched is named in the log.
import { BUNDLE_PATH, type NodeBundle, renderBundle, scrubBundle } from '../core/node-bundle.ts';
import { scrubCarrierCopies } from './carrier-copies.ts';
import type { Host } from './host.ts';
import type { PhaseLog } from './log.ts';
import { KUBEADM_CONFIG_PATH } from './paths.ts';

export async function scrubSecrets(host: Host, log: PhaseLog, bundlePath: string, bundle: NodeBundle): Promise<void> {
  let touched = 0;
  let scrubbed: string;
  if (bundle.scrubbedAt === undefined) {
    scrubbed = renderBundle(scrubBundle(bundle, host.now()));
    await host.writeFile(bundlePath, scrubbed, 0o600);
    log.info(`scrubbed ${bundlePath}: no private key and no bootstrap token secret left in it`);
    touched += 1;
  } else {
    scrubbed = (await host.readFile(bundlePath)) ?? renderBundle(bundle);
  }
  if ((await host.stat(KUBEADM_CONFIG_PATH)) !== undefined) {
    await host.remove(KUBEADM_CONFIG_PATH);
    log.info(`removed ${KUBEADM_CONFIG_PATH}: it held the bootstrap token`);
    touched += 1;
  }
  const bundlePaths = [...new Set([BUNDLE_PATH, bundlePath])];
  for (const copy of await scrubCarrierCopies(host, bundlePaths, scrubbed)) {
    if (copy.outcome === 'left') {
      log.warn(`not scrubbed: ${copy.path}: ${copy.why}`);
      continue;
    }
    log.info(`${copy.outcome} ${copy.path}: ${copy.why}`);
    touched += 1;
  }
  if (touched > 0) log.info(`secrets at rest: ${touched} file${touched === 1 ? '' : 's'} scrubbed or removed`);
}
