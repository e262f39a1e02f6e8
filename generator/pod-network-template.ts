// Resolves a spec's podNetwork name to its pinned template.
import { KubeseedError } from '../core/errors.ts';
import { podNetworks } from '../templates/index.ts';
import type { PodNetworkTemplate } from './node-bundle.ts';
import { readPinnedTemplate } from './pinned-template.ts';

export function podNetworkTemplate(name: string): PodNetworkTemplate {
  const entry = podNetworks[name];
  if (!entry) throw new KubeseedError('invalid-spec', `no template for pod network ${JSON.stringify(name)}`);
  return {
    name,
    version: entry.version,
    sha256: entry.sha256,
    images: entry.images,
    manifest: readPinnedTemplate(entry),
  };
}
