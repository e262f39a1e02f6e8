// dnf on the RHEL family and Fedora (dnf4 and dnf5). The repository file is the one the
// Kubernetes docs give (Red Hat tab), with the checked key as a local file imported into rpm:
// every package's signature is verified against it. Its `exclude=` line is the hold — nothing
// upgrades the Kubernetes packages unless excludes are disabled for this repository by name,
// which only the install here does.
import { KubeseedError } from '../../core/errors.ts';
import type { ResolvedRepository } from '../../core/package-catalogue.ts';
import { describeFailure, mustRun, runCommand } from '../commands.ts';
import type { CommandResult } from '../host.ts';
import type { CheckedKey } from '../openpgp-key.ts';
import { OWNED_HEADER } from '../paths.ts';
import type { PhaseContext } from '../phase.ts';
import { retrying } from '../retrying.ts';
import type { PackageManager } from './package-manager.ts';

export const DNF_REPO_ID = 'kubeseed-kubernetes';
export const DNF_KEY_PATH = '/etc/pki/rpm-gpg/kubeseed-kubernetes.asc';
export const DNF_REPO_PATH = '/etc/yum.repos.d/kubeseed-kubernetes.repo';
/** install-kubeadm's Red Hat tab: what the repository's exclude= holds back. */
export const DNF_EXCLUDED = ['kubelet', 'kubeadm', 'kubectl', 'cri-tools', 'kubernetes-cni'];

const TIMEOUT_MS = 30 * 60_000;
/** dnf4 and dnf5 words for a signature or checksum that does not check out. */
const INTEGRITY =
  /GPG check FAILED|Public key for \S+ is not installed|not correct for this package|signature verification|signature could not be verified|PGP check for package \S+ .*failed|is not signed|checksum doesn't match|Checksum mismatch|does not match intended download|Bad GPG signature|repomd\.xml GPG signature/i;

export function dnfRepoFile(repository: ResolvedRepository, minor: string): string {
  return [
    OWNED_HEADER,
    `[${DNF_REPO_ID}]`,
    `name=Kubernetes ${minor} (kubeseed)`,
    `baseurl=${repository.url}`,
    'enabled=1',
    'gpgcheck=1',
    `gpgkey=file://${DNF_KEY_PATH}`,
    `exclude=${DNF_EXCLUDED.join(' ')}`,
    '',
  ].join('\n');
}

function integrityLines(result: CommandResult): string | undefined {
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => INTEGRITY.test(line));
  return lines.length > 0 ? lines.map((line) => line.trim()).join('\n') : undefined;
}

export class Dnf implements PackageManager {
  readonly format = 'rpm' as const;
  private major: number | undefined;

  /** dnf5 (Fedora 41+) dropped --disableexcludes for the disable_excludes option. */
  private async disableExcludes(ctx: PhaseContext): Promise<string> {
    if (this.major === undefined) {
      const result = await mustRun(ctx, ['dnf', '--version'], { timeoutMs: 120_000 });
      // dnf4 prints `4.14.0`; dnf5 `dnf5 version 5.2.8.1`.
      this.major = /^dnf5 version 5\.|^5\./.test(result.stdout.trim()) ? 5 : 4;
    }
    return this.major === 5 ? `--setopt=disable_excludes=${DNF_REPO_ID}` : `--disableexcludes=${DNF_REPO_ID}`;
  }

  async addRepository(ctx: PhaseContext, repository: ResolvedRepository, key: CheckedKey, minor: string) {
    await ctx.host.writeFile(DNF_KEY_PATH, key.armored, 0o644);
    await mustRun(ctx, ['rpm', '--import', DNF_KEY_PATH], { timeoutMs: 120_000 });
    await ctx.host.writeFile(DNF_REPO_PATH, dnfRepoFile(repository, minor), 0o644);
    ctx.log.info(`added ${DNF_REPO_PATH}: baseurl=${repository.url}`);
  }

  async removeRepository(ctx: PhaseContext) {
    await ctx.host.remove(DNF_REPO_PATH);
    await ctx.host.remove(DNF_KEY_PATH);
  }

  private async dnf(ctx: PhaseContext, argv: string[]): Promise<void> {
    await retrying(ctx, async () => {
      const result = await runCommand(ctx, argv, { timeoutMs: TIMEOUT_MS });
      if (result.code === 0) return { done: true, value: undefined };
      const integrity = integrityLines(result);
      if (integrity !== undefined) {
        await this.removeRepository(ctx);
        throw new KubeseedError(
          'integrity',
          `dnf refused a signature or checksum, and kubeseed-boot does not retry that; the Kubernetes repository was removed again:\n${integrity}`,
        );
      }
      return { done: false, reason: describeFailure(argv, result) };
    });
  }

  async refresh(ctx: PhaseContext) {
    await this.dnf(ctx, ['dnf', 'makecache', '-y']);
  }

  /** NAME-VERSION: dnf takes the newest release of exactly that version (1.34.2-150500.1.1). */
  async pinned(_ctx: PhaseContext, names: readonly string[], version: string) {
    return names.map((name) => `${name}-${version}`);
  }

  /** RHEL and its rebuilds ship no containerd; Fedora's is not considered: the pinned release is what runs. */
  async qualifyingContainerd() {
    return undefined;
  }

  async install(ctx: PhaseContext, packages: readonly string[]) {
    await this.dnf(ctx, ['dnf', 'install', '-y', await this.disableExcludes(ctx), ...packages]);
  }

  async hold(ctx: PhaseContext) {
    ctx.log.info(`held by exclude=${DNF_EXCLUDED.join(' ')} in ${DNF_REPO_PATH}`);
  }

  async installed(ctx: PhaseContext, names: readonly string[]) {
    // Absent packages print "package NAME is not installed" and make rpm exit 1.
    const result = await runCommand(ctx, ['rpm', '-q', '--qf', '%{NAME} %{VERSION}-%{RELEASE}\\n', ...names], {
      timeoutMs: 60_000,
    });
    const found: Record<string, string> = {};
    for (const line of result.stdout.split('\n')) {
      const [name, version] = line.trim().split(' ');
      if (name && version && names.includes(name)) found[name] = version;
    }
    return found;
  }

  async isHeld(ctx: PhaseContext) {
    const repo = await ctx.host.readFile(DNF_REPO_PATH);
    return repo?.includes(`\nexclude=${DNF_EXCLUDED.join(' ')}\n`) ?? false;
  }
}
