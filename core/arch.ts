// The architectures a kubeseed node can have, in Kubernetes' and OCI's naming. The spec,
// the node bundle, the image archives and the agent binaries all take this one list.

export const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

export function isArch(value: unknown): value is Arch {
  return (ARCHES as readonly unknown[]).includes(value);
}

/** The kernel's names (`uname -m`) for each architecture. */
export const KERNEL_ARCHES: Readonly<Record<string, Arch>> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  aarch64: 'arm64',
  arm64: 'arm64',
};
