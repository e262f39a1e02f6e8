// Image references as Docker and containerd read them (distribution/reference's grammar,
// ParseNormalizedNamed and ParseDockerRef): `[registry/]repository[:tag][@digest]`, where a
// first component without a dot, a colon or the word localhost is part of the repository on
// docker.io, and a single-component docker.io repository lives under `library/`.
import { KubeseedError } from './errors.ts';
import { SHA256_DIGEST } from './formats.ts';

export interface ImageReference {
  /** As containerd names it: `docker.io`, `registry.k8s.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Path on the registry, e.g. `library/busybox`, `coredns/coredns`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
}

const DOCKER_HUB = 'docker.io';
const DEFAULT_TAG = 'latest';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
// distribution/reference: NameTotalLengthMax.
const MAX_NAME_LENGTH = 255;

function invalid(text: string, why: string): KubeseedError {
  return new KubeseedError('invalid-spec', `image reference ${JSON.stringify(text)} ${why}`, [
    {
      path: 'image',
      message: 'write it as [registry/]repository[:tag][@sha256:<64 hex>], e.g. registry.k8s.io/pause:3.10',
    },
  ]);
}

export function parseReference(text: string): ImageReference {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digest.startsWith('sha256:'))
      throw invalid(text, 'has a digest that is not sha256 (the only algorithm registries and containerd require)');
    if (!SHA256_DIGEST.test(digest)) throw invalid(text, 'has a malformed sha256 digest (64 lowercase hex digits)');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `has an invalid tag ${JSON.stringify(tag)}`);
  }
  if (rest === '') throw invalid(text, 'names no repository');

  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasDomain ? first : DOCKER_HUB;
  let repository = hasDomain ? rest.slice(slash + 1) : rest;
  if (hasDomain && !DOMAIN.test(registry))
    throw invalid(text, `has an invalid registry host ${JSON.stringify(registry)}`);
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (repository !== repository.toLowerCase())
    throw invalid(text, 'has upper-case letters in its repository (repositories are lower case)');
  if (!repository.split('/').every((component) => COMPONENT.test(component)))
    throw invalid(text, 'has an invalid repository path');
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH)
    throw invalid(text, `is longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The fully qualified name, keeping both tag and digest when both were given. */
export function formatReference(reference: ImageReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${reference.registry}/${reference.repository}${tag}${digest}`;
}

/**
 * The name containerd (and its CRI plugin) files an image under: ParseDockerRef drops the tag
 * when a digest is present, because the digest alone identifies the content.
 */
export function containerdName(reference: ImageReference): string {
  const name = `${reference.registry}/${reference.repository}`;
  return reference.digest === undefined ? `${name}:${reference.tag ?? DEFAULT_TAG}` : `${name}@${reference.digest}`;
}

/** The host the registry API answers on: Docker Hub's API is not at docker.io. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}
