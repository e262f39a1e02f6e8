// A scrubbed bundle (core/node-bundle.ts: scrubBundle) has done its job: the node it made
// is bootstrapped and no longer holds its keys or token. Whatever would need them again
// (kubeadm after a reset, the shared PKI) says so plainly instead of failing obscurely.

import { KubeseedError } from '../core/errors.ts';
import type { NodeBundle } from '../core/node-bundle.ts';

export function freshBundleMessage(bundle: NodeBundle, path: string): string {
  return `the node bundle at ${path} was scrubbed at ${bundle.scrubbedAt}, after node ${bundle.node.name} was bootstrapped: it no longer carries the keys and bootstrap token a new bootstrap needs. Put a fresh bundle there (\`kubeseed generate\`, then out/nodes/${bundle.node.name}/node.yaml, or the node's new user-data) and run again`;
}

/** Throws when the bundle was scrubbed; `what` is the work that needs its secrets. */
export function requireSecrets(bundle: NodeBundle, path: string, what: string): void {
  if (bundle.scrubbedAt !== undefined)
    throw new KubeseedError('invalid-bundle', `${what} needs secrets: ${freshBundleMessage(bundle, path)}`);
}
