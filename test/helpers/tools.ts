// The outside tools the tests use as real consumers, the Debian package each comes from,
// and how a test that needs one is registered. `npm run setup:test` installs these
// packages; test/run.ts names the missing ones once, at the top of a run.
//
// A test that needs a missing tool is skipped, with the tool named, only where skipping
// cannot hide a broken CI: as root or under CI=true it fails, naming the tool and the
// command that installs it.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Callback, Test } from 'uvu';

/** Debian's Ignition, outside PATH: the initramfs (dracut) runs it. */
export const IGNITION = '/usr/lib/dracut/modules.d/30ignition/ignition';

/** Tool (a name looked up on PATH and the sbin directories, or an absolute path) → Debian package. */
export const TOOLS = {
  openssl: 'openssl',
  jq: 'jq',
  'cloud-init': 'cloud-init',
  python3: 'python3',
  'systemd-analyze': 'systemd',
  nft: 'nftables',
  ip: 'iproute2',
  readelf: 'binutils',
  strip: 'binutils',
  'aarch64-linux-gnu-strip': 'binutils-aarch64-linux-gnu',
  'qemu-aarch64-static': 'qemu-user-static',
  // What the arm64 agent binary loads under qemu-user (QEMU_LD_PREFIX=/usr/aarch64-linux-gnu).
  '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1': 'libc6-arm64-cross',
  '/usr/aarch64-linux-gnu/lib/libstdc++.so.6': 'libstdc++6-arm64-cross',
  '/usr/aarch64-linux-gnu/lib/libgcc_s.so.1': 'libgcc-s1-arm64-cross',
  xz: 'xz-utils',
  'ignition-validate': 'ignition',
  [IGNITION]: 'ignition',
  mcopy: 'mtools',
  mtype: 'mtools',
  mdir: 'mtools',
  'mkfs.vfat': 'dosfstools',
  'fsck.vfat': 'dosfstools',
  sfdisk: 'fdisk',
  blkid: 'util-linux',
  xorriso: 'xorriso',
  isoinfo: 'genisoimage',
  'docker-registry': 'docker-registry',
  skopeo: 'skopeo',
  containerd: 'containerd',
  ctr: 'containerd',
  runc: 'runc',
  '/bin/busybox': 'busybox-static',
  mmdebstrap: 'mmdebstrap',
  'systemd-nspawn': 'systemd-container',
  'qemu-system-x86_64': 'qemu-system-x86',
  'mkfs.ext4': 'e2fsprogs',
  // The stock-image tests: a signed apt repository, the agent's download tools, the test network.
  'apt-ftparchive': 'apt-utils',
  gpg: 'gpg',
  'gpg-agent': 'gpg-agent',
  'dpkg-deb': 'dpkg',
  curl: 'curl',
  wget: 'wget',
  // qemu's guestfwd to a socket carries one connection; a command per connection carries all.
  socat: 'socat',
} as const;

export type Tool = keyof typeof TOOLS;

/** Where the tests look for tools; test/run.ts gives its test processes the same PATH. */
export const SEARCH_PATH = [...new Set([...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'])].filter(
  Boolean,
);

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** A bare name is looked up on the search path; a path is taken as it is (a library need only be readable). */
export function hasTool(tool: Tool): boolean {
  if (tool.startsWith('/')) return tool.includes('/lib/') ? readable(tool) : executable(tool);
  return SEARCH_PATH.some((dir) => executable(join(dir, tool)));
}

export function missingTools(tools: readonly Tool[] = Object.keys(TOOLS) as Tool[]): Tool[] {
  return tools.filter((tool) => !hasTool(tool));
}

export function packagesFor(tools: readonly Tool[]): string[] {
  return [...new Set(tools.map((tool) => TOOLS[tool]))];
}

export const isRoot = process.getuid?.() === 0;

/** Whether a test may be skipped for a missing tool: never as root (who can install it) or in CI. */
export const maySkip = !isRoot && process.env.CI !== 'true';

/** The one command that installs what the tests use. */
export const SETUP_COMMAND = `${isRoot ? '' : 'sudo '}npm run setup:test`;

export interface Needs {
  tools?: readonly Tool[];
  /** The test starts daemons or machines only root may (containerd's snapshotter, nspawn, Ignition's chown). */
  root?: boolean;
}

/** Why tests with these needs cannot run here, or undefined when they can. */
export function unmet(needs: Needs): string | undefined {
  const reasons: string[] = [];
  if (needs.root && !isRoot) reasons.push('root');
  const missing = missingTools(needs.tools ?? []);
  if (missing.length > 0)
    reasons.push(`${missing.join(', ')} (Debian package ${packagesFor(missing).join(', ')}: ${SETUP_COMMAND})`);
  return reasons.length === 0 ? undefined : `needs ${reasons.join(' and ')}`;
}

/**
 * `suite` itself when its tests can run here. Otherwise a stand-in for it whose tests are
 * skipped (uvu counts them) and print why, or, as root or under CI=true, fail with why;
 * its hooks are dropped, since they would need the same tools.
 */
export function needing<T>(suite: Test<T>, needs: Needs): Test<T> {
  const reason = unmet(needs);
  if (reason === undefined) return suite;
  const register = (name: string, _body?: Callback<T>) => {
    if (maySkip) {
      console.log(`  skipped: ${name}: ${reason}`);
      suite.skip(name);
    } else {
      suite(name, () => {
        throw new Error(`${reason}; tests skip a missing tool only when not root and not CI=true`);
      });
    }
  };
  const hook = Object.assign(() => undefined, { each: () => undefined });
  return Object.assign(register, {
    only: register,
    skip: suite.skip,
    before: hook,
    after: hook,
    run: suite.run,
  });
}
