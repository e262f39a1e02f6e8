// Platform selection in an index, the way containerd's default matcher picks for a node:
// linux only, architecture aliases normalised (x86_64 → amd64, aarch64 → arm64), and
// arm64's variant v8 equal to no variant (every arm64 a kubeadm node runs on is ARMv8+).
import { ARCHES, type Arch, isArch } from '../../core/arch.ts';
import { KubeseedError } from '../../core/errors.ts';
import type { Descriptor, Platform } from './documents.ts';

const ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64' };
// Variants that mean the baseline: containerd normalises these to "" before matching.
const BASELINE_VARIANTS: Record<Arch, readonly string[]> = { amd64: ['', 'v1'], arm64: ['', '8', 'v8'] };

export function platformMatches(platform: Platform | undefined, arch: Arch): boolean {
  if (platform?.os !== 'linux') return false;
  const architecture = ALIASES[platform.architecture] ?? platform.architecture;
  return architecture === arch && BASELINE_VARIANTS[arch].includes(platform.variant ?? '');
}

/** The index entry containerd would pull on a linux/<arch> node, if the index has one. */
export function selectManifest(manifests: readonly Descriptor[], arch: Arch): Descriptor | undefined {
  return manifests.find((manifest) => platformMatches(manifest.platform, arch));
}

export function describePlatform(platform: Platform | undefined): string {
  if (!platform) return 'no platform';
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** `amd64,arm64` → ['amd64', 'arm64'], each once, in the given order. */
export function parseArches(text: string): Arch[] {
  const arches: Arch[] = [];
  for (const part of text.split(',').map((value) => value.trim())) {
    if (!isArch(part)) {
      throw new KubeseedError(
        'usage',
        `--arch ${JSON.stringify(part)} is not an architecture kubeseed nodes have; use ${ARCHES.join(', ')} or both, comma-separated`,
      );
    }
    if (!arches.includes(part)) arches.push(part);
  }
  return arches;
}
