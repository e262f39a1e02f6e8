// Resolves a spec's podNetwork name to the pinned template the machine image carries.
import { podNetworks } from '../templates/index.ts';
import type { PodNetworkTemplate } from './node-bundle.ts';

export function podNetworkTemplate(name: string): PodNetworkTemplate {
  const entry = podNetworks[name as keyof typeof podNetworks];
  if (!entry) throw new Error(`no template for pod network ${JSON.stringify(name)}`);
  return { name, version: entry.version, sha256: entry.sha256, images: entry.images };
}
