// Anonymous token auth, the scheme registries answer a 401 with (Docker's token
// specification, which the OCI distribution-spec defers to): the challenge
// `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` names a token endpoint;
// GET realm?service=…&scope=… returns `{"token": …}` (or `access_token`), sent back as
// `Authorization: Bearer …`. Public images need no credentials, and kubeseed asks for none.
import { KubeseedError } from '../../core/errors.ts';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one challenge: `Bearer realm="https://auth.example/token",service="x"`. */
export function parseChallenge(header: string): Challenge {
  const match = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s*(.*)$/s.exec(header);
  const scheme = match?.[1]?.toLowerCase() ?? '';
  const params: Record<string, string> = {};
  const param = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match?.[2] ?? '';
  for (let found = param.exec(rest); found !== null && found[0] !== ''; found = param.exec(rest)) {
    params[found[1]!.toLowerCase()] = found[2] === undefined ? (found[3] ?? '') : found[2].replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}

/** The pull scope for a repository, used when a challenge names none. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** Fetches an anonymous bearer token for a challenge. */
export async function fetchToken(
  challenge: Challenge,
  fallbackScope: string,
  registry: string,
  fetchImpl: typeof fetch,
): Promise<string> {
  if (challenge.scheme !== 'bearer') {
    throw new KubeseedError(
      'unsupported',
      `${registry} asks for ${challenge.scheme || 'unknown'} credentials; kubeseed pulls anonymously: copy the images to a registry that allows anonymous pulls (or a local mirror, with --insecure for plain HTTP)`,
    );
  }
  const realm = challenge.params.realm;
  if (!realm)
    throw new KubeseedError(
      'protocol',
      `${registry} sent a Bearer challenge without a realm; it does not follow the registry token protocol`,
    );
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? fallbackScope);
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new KubeseedError(
      'network',
      `cannot reach ${registry}'s token service ${url.origin}: ${(error as Error).message}`,
    );
  }
  if (!response.ok) {
    throw new KubeseedError(
      'unsupported',
      `${registry}'s token service ${url.origin} refused an anonymous token (HTTP ${response.status}): the repository is private or does not exist`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown };
  const token = typeof body.token === 'string' ? body.token : body.access_token;
  if (typeof token !== 'string' || token === '')
    throw new KubeseedError('protocol', `${registry}'s token service ${url.origin} answered without a token`);
  return token;
}
