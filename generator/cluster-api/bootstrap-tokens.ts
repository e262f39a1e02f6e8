// Bootstrap tokens in a running cluster, as `kubeadm token create|list|delete` manage
// them: one Secret per token in kube-system. A token kubeseed hands out is registered
// and its cluster-info signature verified first; if anything fails, the tokens this call
// created are deleted again, so a failed run leaves no usable credential behind.
import { KubeseedError } from '../../core/errors.ts';
import type { BootstrapToken } from '../tokens/bootstrap-token.ts';
import {
  bootstrapTokenSecret,
  TOKEN_NAMESPACE,
  TOKEN_SECRET_TYPE,
  type TokenInfo,
  tokenInfoOf,
  tokenSecretName,
} from './bootstrap-token-secret.ts';
import type { ClusterApi } from './client.ts';
import { type SignatureWait, waitForClusterInfoSignatures } from './cluster-info-signature.ts';

const SECRETS_PATH = `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets`;

export interface NewToken {
  token: BootstrapToken;
  /** Undefined: never expires. */
  expires?: Date;
  description: string;
}

export async function registerTokens(api: ClusterApi, tokens: readonly NewToken[], wait: SignatureWait): Promise<void> {
  const created: BootstrapToken[] = [];
  try {
    for (const { token, expires, description } of tokens) {
      const { status } = await api.call(
        `create Secret ${TOKEN_NAMESPACE}/${tokenSecretName(token.id)}`,
        'POST',
        SECRETS_PATH,
        {
          body: bootstrapTokenSecret(token, { ...(expires ? { expires } : {}), description }),
          expect: [409],
        },
      );
      if (status === 409) {
        throw new KubeseedError(
          'cluster-refused',
          `a bootstrap token with id ${token.id} already exists; run again for a new one`,
        );
      }
      created.push(token);
    }
    await waitForClusterInfoSignatures(
      api,
      tokens.map(({ token }) => token),
      wait,
    );
  } catch (error) {
    await Promise.allSettled(created.map((token) => deleteToken(api, token.id)));
    throw error;
  }
}

export async function listTokens(api: ClusterApi): Promise<TokenInfo[]> {
  const selector = encodeURIComponent(`type=${TOKEN_SECRET_TYPE}`);
  const { body } = await api.call(
    `list bootstrap tokens in ${TOKEN_NAMESPACE}`,
    'GET',
    `${SECRETS_PATH}?fieldSelector=${selector}`,
  );
  const items = (body as { items?: unknown[] }).items ?? [];
  return items
    .map(tokenInfoOf)
    .filter((info): info is TokenInfo => info !== undefined)
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The token's Secret as the cluster has it, or undefined when it is gone (deleted, or cleaned up after expiring). */
export async function readToken(api: ClusterApi, id: string): Promise<TokenInfo | undefined> {
  const { status, body } = await api.call(
    `read Secret ${TOKEN_NAMESPACE}/${tokenSecretName(id)}`,
    'GET',
    `${SECRETS_PATH}/${tokenSecretName(id)}`,
    { expect: [404] },
  );
  return status === 404 ? undefined : tokenInfoOf(body);
}

export async function deleteToken(api: ClusterApi, id: string): Promise<void> {
  const { status } = await api.call(
    `delete Secret ${TOKEN_NAMESPACE}/${tokenSecretName(id)}`,
    'DELETE',
    `${SECRETS_PATH}/${tokenSecretName(id)}`,
    { expect: [404] },
  );
  if (status === 404) {
    throw new KubeseedError(
      'cluster-refused',
      `no bootstrap token with id ${id} in the cluster; \`kubeseed token list\` shows them`,
    );
  }
}
