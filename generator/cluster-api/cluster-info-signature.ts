// A new node trusts the cluster through kube-public/cluster-info: the controller
// manager's bootstrapsigner adds `jws-kubeconfig-<token-id>`, a detached JWS (RFC 7515
// appendix F) of the kubeconfig, HS256 keyed with the token secret. A joining kubeadm
// waits for that signature, so kubeseed hands out a token only once it is there and
// verifies against the secret it holds.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KubeseedError } from '../../core/errors.ts';
import type { BootstrapToken } from '../tokens/bootstrap-token.ts';
import type { ClusterApi } from './client.ts';

export const CLUSTER_INFO_PATH = '/api/v1/namespaces/kube-public/configmaps/cluster-info';
export const SIGNATURE_KEY_PREFIX = 'jws-kubeconfig-';

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The detached signature the bootstrapsigner computes for `kubeconfig` with `token`. */
export function signClusterInfo(kubeconfig: string, token: BootstrapToken): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', kid: token.id }));
  const mac = createHmac('sha256', token.secret)
    .update(`${header}.${base64url(kubeconfig)}`)
    .digest();
  return `${header}..${base64url(mac)}`;
}

/** True when `signature` is an HS256 detached JWS of `kubeconfig` made with this token. */
export function verifyClusterInfoSignature(kubeconfig: string, signature: string, token: BootstrapToken): boolean {
  const [header, payload, mac, ...rest] = signature.split('.');
  if (rest.length > 0 || payload !== '' || !header || !mac) return false;
  let fields: { alg?: unknown; kid?: unknown };
  try {
    fields = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (fields.alg !== 'HS256' || (fields.kid !== undefined && fields.kid !== token.id)) return false;
  const expected = createHmac('sha256', token.secret)
    .update(`${header}.${base64url(kubeconfig)}`)
    .digest();
  const given = Buffer.from(mac, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface SignatureWait {
  timeoutMs: number;
  pollMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** Polls cluster-info until each token's signature is there and verifies; throws naming the tokens still unsigned. */
export async function waitForClusterInfoSignatures(
  api: ClusterApi,
  tokens: readonly BootstrapToken[],
  wait: SignatureWait,
): Promise<void> {
  const deadline = wait.now() + wait.timeoutMs;
  let pending = [...tokens];
  let lastProblem = 'no signature yet';
  for (;;) {
    const { status, body } = await api.call('read ConfigMap kube-public/cluster-info', 'GET', CLUSTER_INFO_PATH, {
      expect: [404],
    });
    if (status === 404) {
      lastProblem = 'kube-public/cluster-info does not exist';
    } else {
      const data = ((body as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
      const kubeconfig = data.kubeconfig;
      pending = pending.filter((token) => {
        const signature = data[`${SIGNATURE_KEY_PREFIX}${token.id}`];
        if (typeof signature !== 'string' || typeof kubeconfig !== 'string') return true;
        if (verifyClusterInfoSignature(kubeconfig, signature, token)) return false;
        lastProblem = `the signature for token ${token.id} does not verify with its secret`;
        return true;
      });
      if (pending.length === 0) return;
    }
    if (wait.now() >= deadline) {
      throw new KubeseedError(
        'cluster-refused',
        `the controller manager did not sign kube-public/cluster-info for token ${pending.map((token) => token.id).join(', ')} within ${Math.round(wait.timeoutMs / 1000)} s (${lastProblem}); a node could not use the token to join. Check that kube-controller-manager runs with the bootstrapsigner controller, then run again`,
      );
    }
    await wait.sleep(wait.pollMs);
  }
}
