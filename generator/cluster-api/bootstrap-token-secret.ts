// The Secret kubeadm writes for a bootstrap token (BootstrapTokenToSecret in
// cmd/kubeadm/app/apis/bootstraptoken/v1/utils.go), field for field: the API server
// authenticates `<id>.<secret>` from it, and the controller manager signs cluster-info
// with it, only when the name, type and keys are exactly these.
import type { BootstrapToken } from '../tokens/bootstrap-token.ts';

export const TOKEN_NAMESPACE = 'kube-system';
export const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const TOKEN_SECRET_PREFIX = 'bootstrap-token-';
/** kubeadm's default group: kubeadm init binds it to node bootstrapping (CSRs, auto-approval). */
export const NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

export interface BootstrapTokenSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string };
  type: typeof TOKEN_SECRET_TYPE;
  /** base64, as Go's []byte values marshal. */
  data: Record<string, string>;
}

/** What `token list` shows: never the secret half. */
export interface TokenInfo {
  id: string;
  description?: string;
  /** Undefined: never expires. */
  expires?: Date;
  usages: string[];
  groups: string[];
}

export function tokenSecretName(id: string): string {
  return `${TOKEN_SECRET_PREFIX}${id}`;
}

/** Go's time.RFC3339 of a UTC time: whole seconds, `Z`. */
export function rfc3339(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

export function bootstrapTokenSecret(
  token: BootstrapToken,
  options: { expires?: Date; description?: string },
): BootstrapTokenSecret {
  const data: Record<string, string> = {
    'token-id': token.id,
    'token-secret': token.secret,
    ...(options.description ? { description: options.description } : {}),
    ...(options.expires ? { expiration: rfc3339(options.expires) } : {}),
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': NODE_TOKEN_GROUP,
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: tokenSecretName(token.id), namespace: TOKEN_NAMESPACE },
    type: TOKEN_SECRET_TYPE,
    data: Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]),
    ),
  };
}

function decoded(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/** A Secret as the API returns it (base64 `data`), or undefined when it is not a well-formed token. */
export function tokenInfoOf(secret: unknown): TokenInfo | undefined {
  if (typeof secret !== 'object' || secret === null) return undefined;
  const { metadata, data } = secret as { metadata?: { name?: unknown }; data?: Record<string, unknown> };
  if (!data || typeof metadata?.name !== 'string') return undefined;
  const id = decoded(data, 'token-id');
  if (!id || metadata.name !== tokenSecretName(id)) return undefined;
  const expiration = decoded(data, 'expiration');
  const expires = expiration === undefined ? undefined : new Date(expiration);
  if (expires && Number.isNaN(expires.getTime())) return undefined;
  const description = decoded(data, 'description');
  const usages = Object.keys(data)
    .filter((key) => key.startsWith('usage-bootstrap-') && decoded(data, key) === 'true')
    .map((key) => key.slice('usage-bootstrap-'.length))
    .sort();
  const groups = (decoded(data, 'auth-extra-groups') ?? '').split(',').filter((group) => group !== '');
  return { id, ...(description ? { description } : {}), ...(expires ? { expires } : {}), usages, groups };
}
