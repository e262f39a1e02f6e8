// apt on Debian, Ubuntu and Raspberry Pi OS. The repository line trusts the checked key file
// only (`signed-by=`, not the keyrings every source trusts); apt itself verifies InRelease with
// it (gpgv, or sqv on Debian 13). apt-get's output says which kind of failure it met: a
// signature or hash problem ends the phase, a network or lock problem is waited out.
import { KubeseedError } from '../../core/errors.ts';
import { type ResolvedRepository, upstreamVersion } from '../../core/package-catalogue.ts';
import { describeFailure, mustRun, runCommand } from '../commands.ts';
import type { CommandResult } from '../host.ts';
import type { CheckedKey } from '../openpgp-key.ts';
import { OWNED_HEADER } from '../paths.ts';
import type { PhaseContext } from '../phase.ts';
import { retrying } from '../retrying.ts';
import type { PackageManager } from './package-manager.ts';

export const APT_KEY_PATH = '/etc/apt/keyrings/kubeseed-kubernetes.asc';
export const APT_SOURCE_PATH = '/etc/apt/sources.list.d/kubeseed-kubernetes.list';

const ENV = {
  DEBIAN_FRONTEND: 'noninteractive',
  // Ubuntu's needrestart would otherwise ask which services to restart.
  NEEDRESTART_MODE: 'l',
  APT_LISTCHANGES_FRONTEND: 'none',
};
/** Waits for unattended-upgrades or cloud-init's own apt run instead of failing on the lock (apt ≥ 1.9.11). */
const LOCK_TIMEOUT = ['-o', 'DPkg::Lock::Timeout=600'];
const UPDATE_TIMEOUT_MS = 10 * 60_000;
const INSTALL_TIMEOUT_MS = 30 * 60_000;

/** apt's words (gpgv and sqv) for a repository whose signature or index hashes do not check out. */
const INTEGRITY =
  /NO_PUBKEY|EXPKEYSIG|BADSIG|REVKEYSIG|KEYEXPIRED|is not signed|signatures were invalid|signatures couldn't be verified|Missing key|Signature by key|OpenPGP signature verification failed|isn't valid|Hash Sum mismatch|Hashes of expected file|unexpected size/;
const DPKG_INTERRUPTED = /dpkg was interrupted/;

function apt(ctx: PhaseContext, argv: string[], timeoutMs: number): Promise<CommandResult> {
  return runCommand(ctx, argv, { env: ENV, timeoutMs });
}

function integrityLines(result: CommandResult): string | undefined {
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => INTEGRITY.test(line));
  return lines.length > 0 ? lines.map((line) => line.trim()).join('\n') : undefined;
}

/** A power cut in the middle of dpkg leaves it asking for this before anything else installs. */
async function repairInterrupted(ctx: PhaseContext, result: CommandResult): Promise<void> {
  if (!DPKG_INTERRUPTED.test(`${result.stdout}\n${result.stderr}`)) return;
  ctx.log.warn('dpkg was interrupted earlier; finishing its work with `dpkg --configure -a`');
  await runCommand(ctx, ['dpkg', '--configure', '-a'], { env: ENV, timeoutMs: INSTALL_TIMEOUT_MS });
}

/** `apt-cache madison NAME`: `NAME | VERSION | SOURCE`, newest first. */
function madison(output: string, name: string): Array<{ version: string; source: string }> {
  return output
    .split('\n')
    .map((line) => line.split('|').map((field) => field.trim()))
    .filter((fields) => fields.length >= 3 && fields[0] === name)
    .map((fields) => ({ version: fields[1]!, source: fields[2]! }));
}

export class Apt implements PackageManager {
  readonly format = 'deb' as const;

  async addRepository(ctx: PhaseContext, repository: ResolvedRepository, key: CheckedKey, minor: string) {
    await ctx.host.writeFile(APT_KEY_PATH, key.armored, 0o644);
    // The flat-repository form the Kubernetes docs use: `deb [signed-by=KEY] URL /`.
    const line = `deb [signed-by=${APT_KEY_PATH}] ${repository.url} /`;
    await ctx.host.writeFile(APT_SOURCE_PATH, `${OWNED_HEADER}\n# Kubernetes ${minor} packages\n${line}\n`, 0o644);
    ctx.log.info(`added ${APT_SOURCE_PATH}: ${line}`);
  }

  async removeRepository(ctx: PhaseContext) {
    await ctx.host.remove(APT_SOURCE_PATH);
    await ctx.host.remove(APT_KEY_PATH);
  }

  async refresh(ctx: PhaseContext) {
    await retrying(ctx, async () => {
      // --error-on=any: without it a source that cannot be reached is only a warning (apt ≥ 2.1.16).
      const argv = ['apt-get', 'update', '-q', '--error-on=any'];
      const result = await apt(ctx, argv, UPDATE_TIMEOUT_MS);
      if (result.code === 0) return { done: true, value: undefined };
      const integrity = integrityLines(result);
      if (integrity !== undefined) {
        await this.removeRepository(ctx);
        throw new KubeseedError(
          'integrity',
          `apt refused a package index, and kubeseed-boot does not retry that; the Kubernetes repository was removed again:\n${integrity}`,
        );
      }
      return { done: false, reason: describeFailure(argv, result) };
    });
  }

  private async versions(ctx: PhaseContext, names: readonly string[]) {
    const result = await mustRun(ctx, ['apt-cache', 'madison', ...names], { env: ENV, timeoutMs: 120_000 });
    return (name: string) => madison(result.stdout, name);
  }

  async pinned(ctx: PhaseContext, names: readonly string[], version: string) {
    const offered = await this.versions(ctx, names);
    return names.map((name) => {
      const versions = offered(name);
      // Newest packaging revision of exactly this release (1.34.2-1.1 over 1.34.2-1.0, never 1.34.3).
      const match = versions.find((candidate) => upstreamVersion(candidate.version) === version);
      if (!match) {
        const seen = versions.map((candidate) => candidate.version).join(', ') || 'none';
        throw new KubeseedError(
          'command-failed',
          `the package repositories offer no ${name} ${version} (versions seen: ${seen}); is kubernetesVersion a released version?`,
        );
      }
      return `${name}=${match.version}`;
    });
  }

  async qualifyingContainerd(ctx: PhaseContext, qualifies: (version: string) => boolean) {
    const offered = (await this.versions(ctx, ['containerd']))('containerd');
    const best = offered.find((candidate) => qualifies(candidate.version));
    if (offered.length > 0)
      ctx.log.info(`apt offers containerd ${offered.map((candidate) => candidate.version).join(', ')}`);
    return best ? { argument: `containerd=${best.version}`, version: best.version } : undefined;
  }

  async install(ctx: PhaseContext, packages: readonly string[]) {
    await retrying(ctx, async () => {
      const argv = [
        'apt-get',
        'install',
        '-y',
        '-q',
        // A kubectl from another repository may carry an epoch (Google Cloud SDK's 1:528.0.0).
        '--allow-downgrades',
        // Reinstalling after an interruption finds them held already.
        '--allow-change-held-packages',
        ...LOCK_TIMEOUT,
        '-o',
        'Dpkg::Options::=--force-confdef',
        '-o',
        'Dpkg::Options::=--force-confold',
        ...packages,
      ];
      const result = await apt(ctx, argv, INSTALL_TIMEOUT_MS);
      if (result.code === 0) return { done: true, value: undefined };
      const integrity = integrityLines(result);
      if (integrity !== undefined)
        throw new KubeseedError(
          'integrity',
          `apt refused a downloaded package, and kubeseed-boot does not retry that:\n${integrity}`,
        );
      await repairInterrupted(ctx, result);
      return { done: false, reason: describeFailure(argv, result) };
    });
  }

  async hold(ctx: PhaseContext, names: readonly string[]) {
    await mustRun(ctx, ['apt-mark', 'hold', ...names], { env: ENV, timeoutMs: 120_000 });
  }

  async installed(ctx: PhaseContext, names: readonly string[]) {
    // Not-installed names make dpkg-query exit 1 after printing the others.
    const result = await runCommand(
      ctx,
      ['dpkg-query', '-W', '-f=${Package} ${db:Status-Status} ${Version}\\n', ...names],
      {
        timeoutMs: 60_000,
      },
    );
    const found: Record<string, string> = {};
    for (const line of result.stdout.split('\n')) {
      const [name, status, version] = line.trim().split(' ');
      if (name && status === 'installed' && version) found[name] = version;
    }
    return found;
  }

  async isHeld(ctx: PhaseContext, names: readonly string[]) {
    const result = await runCommand(ctx, ['apt-mark', 'showhold'], { env: ENV, timeoutMs: 60_000 });
    const held = new Set(result.stdout.split('\n').map((line) => line.trim()));
    return result.code === 0 && names.every((name) => held.has(name));
  }
}
