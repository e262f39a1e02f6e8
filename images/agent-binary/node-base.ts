// The Node.js runtime inside kubeseed-boot: official builds taken from the npm registry
// (the one registry a build machine reaches), pinned to one version for every
// architecture and checked against integrity values recorded here, so a changed tarball
// fails the build instead of shipping.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeseedError } from '../../core/errors.ts';
import { runCommand } from './command.ts';
import { type AgentArch, TARGETS } from './targets.ts';

/**
 * Node 20 reached end of life on 2026-04-30; 24.x is maintained LTS. Must be the same
 * version for every architecture: the SEA blob is made once and injected into each.
 */
export const NODE_VERSION = '24.21.0';

/** `npm view <package>@NODE_VERSION dist.integrity`. */
const INTEGRITY: Record<AgentArch, string> = {
  amd64: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==',
  arm64: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==',
};

export function baseNodePins(): string {
  return JSON.stringify({ version: NODE_VERSION, integrity: INTEGRITY });
}

async function sha512Integrity(path: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest('base64')}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The verified npm tarball for `arch`, packed into `cacheDir` on first use. */
export async function baseNodeTarball(arch: AgentArch, cacheDir: string): Promise<string> {
  const spec = `${TARGETS[arch].nodePackage}@${NODE_VERSION}`;
  const tarball = join(cacheDir, `${TARGETS[arch].nodePackage}-${NODE_VERSION}.tgz`);
  if ((await exists(tarball)) && (await sha512Integrity(tarball)) === INTEGRITY[arch]) return tarball;
  await mkdir(cacheDir, { recursive: true });
  await rm(tarball, { force: true });
  // --prefer-offline: npm's own cache serves the tarball when this checkout's cache is new.
  await runCommand('npm', ['pack', '--prefer-offline', '--silent', '--pack-destination', cacheDir, spec]);
  const actual = await sha512Integrity(tarball);
  if (actual !== INTEGRITY[arch]) {
    await rm(tarball, { force: true });
    throw new KubeseedError(
      'integrity',
      `${spec}: tarball integrity ${actual} does not match the pinned ${INTEGRITY[arch]}; refusing to build with it`,
    );
  }
  return tarball;
}

/** Extracts `bin/node` from the verified tarball into `dir`; returns its path. */
export async function extractNode(tarball: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await runCommand('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1', 'package/bin/node']);
  return join(dir, 'bin', 'node');
}
