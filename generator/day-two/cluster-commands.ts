// The day-2 commands behind the CLI: each loads the spec and the existing state, then
// works on the running cluster or signs from the state's CA. Output goes to the given
// writers so the commands run the same from any command-line front end.
import { setTimeout as sleep } from 'node:timers/promises';
import { atomicWrite } from '../../core/atomic-write.ts';
import { KubeseedError } from '../../core/errors.ts';
import { deleteToken, listTokens, registerTokens } from '../cluster-api/bootstrap-tokens.ts';
import { connectToCluster } from '../cluster-api/connect.ts';
import { caCertHash } from '../pki/ca-hash.ts';
import { type ClusterSpec, formatEndpoint } from '../spec/types.ts';
import { loadExistingState } from '../state/store.ts';
import { formatBootstrapToken, generateBootstrapToken } from '../tokens/bootstrap-token.ts';
import { removeNode } from './remove-node.ts';
import { shortLivedKubeconfig } from './short-lived-kubeconfig.ts';
import { formatTokenTable } from './token-table.ts';

/** Where a command writes (the shape of the CLI's io): results to stdout, the rest to stderr. */
export interface Output {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface ClusterTarget {
  spec: ClusterSpec;
  stateDir: string;
}

const SIGNATURE_WAIT = { timeoutMs: 120_000, pollMs: 1_000, sleep: (ms: number) => sleep(ms), now: () => Date.now() };

export async function tokenList(target: ClusterTarget, out: Output): Promise<void> {
  const state = await loadExistingState(target.stateDir, target.spec);
  const now = new Date();
  const api = await connectToCluster(target.spec, state, now);
  out.stdout.write(formatTokenTable(await listTokens(api), now));
}

export async function tokenCreate(
  target: ClusterTarget,
  options: { ttlSeconds: number; description?: string },
  out: Output,
): Promise<void> {
  const state = await loadExistingState(target.stateDir, target.spec);
  const now = new Date();
  const api = await connectToCluster(target.spec, state, now);
  const token = generateBootstrapToken();
  const expires = options.ttlSeconds === 0 ? undefined : new Date(now.getTime() + options.ttlSeconds * 1000);
  await registerTokens(
    api,
    [{ token, ...(expires ? { expires } : {}), description: options.description ?? 'kubeseed: token create' }],
    SIGNATURE_WAIT,
  );
  // Like `kubeadm token create`: the token itself on stdout, for a pipe; nothing else prints it.
  out.stdout.write(`${formatBootstrapToken(token)}\n`);
  out.stderr.write(
    `token ${token.id} registered (${expires ? `expires ${expires.toISOString()}` : 'never expires'}); join with --discovery-token-ca-cert-hash ${caCertHash(state.pki.ca.cert)} against ${formatEndpoint(target.spec.controlPlaneEndpoint)}\n`,
  );
}

export async function tokenDelete(target: ClusterTarget, id: string, out: Output): Promise<void> {
  if (!/^[a-z0-9]{6}$/.test(id)) {
    throw new KubeseedError(
      'usage',
      `token delete takes a token id ([a-z0-9]{6}), not ${JSON.stringify(id.slice(0, 6))}…`,
    );
  }
  const state = await loadExistingState(target.stateDir, target.spec);
  await deleteToken(await connectToCluster(target.spec, state, new Date()), id);
  out.stderr.write(`token ${id} deleted\n`);
}

export async function kubeconfig(
  target: ClusterTarget,
  options: { ttlSeconds: number; user?: string; groups?: string[]; write?: string },
  out: Output,
): Promise<void> {
  const state = await loadExistingState(target.stateDir, target.spec);
  const text = await shortLivedKubeconfig({
    spec: target.spec,
    state,
    now: new Date(),
    ttlSeconds: options.ttlSeconds,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.groups === undefined ? {} : { groups: options.groups }),
  });
  if (options.write === undefined) {
    out.stdout.write(text);
    return;
  }
  await atomicWrite(options.write, text, { mode: 0o600 });
  out.stderr.write(`wrote ${options.write} (valid for ${options.ttlSeconds / 3600} h)\n`);
}

export async function removeNodeCommand(
  target: ClusterTarget,
  name: string,
  options: { timeoutSeconds: number },
  out: Output,
): Promise<void> {
  const state = await loadExistingState(target.stateDir, target.spec);
  const now = new Date();
  const api = await connectToCluster(target.spec, state, now);
  await removeNode({
    api,
    state,
    node: name,
    now,
    clock: {
      timeoutMs: options.timeoutSeconds * 1000,
      pollMs: 2_000,
      sleep: (ms) => sleep(ms),
      now: () => Date.now(),
      log: (message) => out.stderr.write(`${message}\n`),
    },
  });
}
