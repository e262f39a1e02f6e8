// What the install phase asks of a distribution's package manager; apt.ts and dnf.ts answer.
import type { PackageFormat, ResolvedRepository } from '../../core/package-catalogue.ts';
import type { CheckedKey } from '../openpgp-key.ts';
import type { PhaseContext } from '../phase.ts';

export interface PackageManager {
  readonly format: PackageFormat;
  /** Trusts `key` (fingerprint checked) for `repository` only, and nothing else. */
  addRepository(ctx: PhaseContext, repository: ResolvedRepository, key: CheckedKey, minor: string): Promise<void>;
  /** Takes the repository out again, so a repository that failed its signature check breaks no later update. */
  removeRepository(ctx: PhaseContext): Promise<void>;
  /** Fetches the package lists: retried while the network fails; a bad signature or checksum throws. */
  refresh(ctx: PhaseContext): Promise<void>;
  /** What to name each package to get exactly upstream `version` of it (`kubeadm=1.34.2-1.1`, `kubeadm-1.34.2`). */
  pinned(ctx: PhaseContext, names: readonly string[], version: string): Promise<string[]>;
  /** The newest containerd the configured repositories offer that `qualifies`, as an install argument. */
  qualifyingContainerd(
    ctx: PhaseContext,
    qualifies: (version: string) => boolean,
  ): Promise<{ argument: string; version: string } | undefined>;
  /** Installs; retried while the network or a lock holder is in the way. */
  install(ctx: PhaseContext, packages: readonly string[]): Promise<void>;
  /** Keeps the packages at their versions through later upgrades. */
  hold(ctx: PhaseContext, names: readonly string[]): Promise<void>;
  /** The installed version of each package (`1.34.2-1.1`, `1.34.2-150500.1.1`); absent ones are left out. */
  installed(ctx: PhaseContext, names: readonly string[]): Promise<Record<string, string>>;
  /** Whether `hold` is in effect for every one of them. */
  isHeld(ctx: PhaseContext, names: readonly string[]): Promise<boolean>;
}
