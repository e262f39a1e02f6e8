// Boots the e2e image in systemd-nspawn with the flags the harness facts settled on: no
// registration with a systemd that is not PID 1 here, always a private network (else the
// guest would ask the host's network for DHCP), results bound at /out and the NoCloud seed,
// when there is one, at cloud-init's seed directory.
import type { ChildProcess } from 'node:child_process';
import { type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { removeDir } from '../helpers/cleanup.ts';
import { exec } from './exec.ts';
import { Machine } from './machine.ts';

/**
 * Upper bound for one boot to results (seconds on a quiet machine): only a hung machine
 * reaches it, so it is set for a busy 2-core machine, where boots run many times slower.
 */
export const NSPAWN_BOOT_LIMIT_MS = 15 * 60_000;

export interface NspawnOptions {
  /** Machine name, the hostname until cloud-init sets the node's. */
  name: string;
  rootfs: string;
  /** true: changes live in memory and vanish with the boot; false: the rootfs is this machine's own disk. */
  volatile: boolean;
  /** A NoCloud seed directory; none for machines whose files another carrier (Ignition) wrote. */
  seed?: string;
  /** Bound read-write at /out; the console log goes beside what the guest writes there. */
  out: string;
  /** More read-only bind mounts, host path to guest path. */
  binds?: Record<string, string>;
  /** Read-write bind mounts (a stand-in's control files, which it rewrites as it uses them). */
  writableBinds?: Record<string, string>;
  /**
   * An interface of the host's to move into the machine's private network once it runs (the
   * machine's own unit waits for it and gives it its address). Not --network-interface: that
   * waits for udev to have seen the interface, and no udev runs where PID 1 is not systemd.
   */
  networkInterface?: string;
  /** `read-only`: a console device whose output (what units send to the console) reaches console.log; default `pipe`. */
  console?: 'pipe' | 'read-only';
  timeoutMs: number;
}

/** The container's init: systemd-nspawn's child, or none yet. */
function containerInit(nspawn: number): number | undefined {
  try {
    const [first] = readFileSync(`/proc/${nspawn}/task/${nspawn}/children`, 'utf8').trim().split(/\s+/);
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A path inside a running container, as this (root) process can read it: through its init's
 * root directory, so a test can watch what a guest writes while it boots. Undefined before
 * the container has started or after it stopped.
 */
export function guestPath(machine: Machine, path: string): string | undefined {
  const nspawn = machine.pid;
  const init = nspawn === undefined ? undefined : containerInit(nspawn);
  return init === undefined ? undefined : join(`/proc/${init}/root`, path);
}

/** Waits for the container's init (in its own network namespace from the start) and moves `name` into that namespace. */
async function attachInterface(machine: Machine, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const own = readlinkSync('/proc/self/ns/net');
  while (Date.now() < deadline) {
    const init = machine.pid === undefined ? undefined : containerInit(machine.pid);
    let namespace: string | undefined;
    try {
      namespace = init === undefined ? undefined : readlinkSync(`/proc/${init}/ns/net`);
    } catch {
      namespace = undefined;
    }
    if (init !== undefined && namespace !== undefined && namespace !== own) {
      await exec('ip', ['link', 'set', name, 'netns', String(init)], { timeoutMs: 30_000 });
      return;
    }
    await delay(20);
  }
  throw new Error(`the container never started: ${name} was not moved into it`);
}

/** Killing systemd-nspawn alone leaves the container running: its init (nspawn's child) must die, which ends every process in it. */
function killContainer(nspawn: ChildProcess): void {
  const pid = nspawn.pid;
  if (pid === undefined) return;
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    // nspawn has exited already
  }
  for (const child of children) {
    try {
      process.kill(Number(child), 'SIGKILL');
    } catch {
      // gone already
    }
  }
  if (children.length === 0) nspawn.kill('SIGKILL');
}

/** The hierarchies a container's systemd manages its units in: the named v1 one and v2 (hybrid), or v2 alone. */
const CGROUP_HIERARCHIES = ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified', '/sys/fs/cgroup'].filter(
  (dir) =>
    existsSync(join(dir, 'cgroup.procs')) && (dir !== '/sys/fs/cgroup' || existsSync(join(dir, 'cgroup.controllers'))),
);
const CGROUP_PARENT = 'kubeseed-e2e';
let cgroupCount = 0;

/**
 * With --keep-unit the container's systemd puts its units under nspawn's own cgroup, and
 * this test process sits in the root one: two containers booted side by side would then
 * share /system.slice/… and tear down each other's units. Each gets its own cgroup.
 */
function ownCgroups(name: string): string[] {
  if (cgroupCount === 0)
    void removeStaleCgroups().catch((error) => console.warn(`  warning: stale e2e cgroups: ${error.message}`));
  cgroupCount += 1;
  const dirs = CGROUP_HIERARCHIES.map((hierarchy) =>
    join(hierarchy, CGROUP_PARENT, `${name}-${process.pid}-${cgroupCount}`),
  );
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  return dirs;
}

/** cgroups go with rmdir only, leaves first; one whose processes are still exiting is tried again, then reported. */
async function removeCgroup(dir: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // gone already
  }
  for (const entry of entries) if (entry.isDirectory()) await removeCgroup(join(dir, entry.name));
  await removeDir(dir);
}

/** Those of test runs that were killed before they could remove them. */
async function removeStaleCgroups(): Promise<void> {
  for (const hierarchy of CGROUP_HIERARCHIES) {
    const parent = join(hierarchy, CGROUP_PARENT);
    if (!existsSync(parent)) continue;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      const pid = Number(/-(\d+)-\d+$/.exec(entry.name)?.[1]);
      if (entry.isDirectory() && pid && !existsSync(`/proc/${pid}`)) await removeCgroup(join(parent, entry.name));
    }
  }
}

export function bootNspawn(options: NspawnOptions): Machine {
  const binds = [
    ...Object.entries(options.binds ?? {}).map(([host, guest]) => `--bind-ro=${host}:${guest}`),
    ...Object.entries(options.writableBinds ?? {}).map(([host, guest]) => `--bind=${host}:${guest}`),
  ];
  const args = [
    '-q',
    '-D',
    options.rootfs,
    '-b',
    '--register=no',
    '--keep-unit',
    '--private-network',
    `--volatile=${options.volatile ? 'overlay' : 'no'}`,
    `--machine=${options.name}`,
    `--bind=${options.out}:/out`,
    ...(options.seed === undefined ? [] : [`--bind-ro=${options.seed}:/var/lib/cloud/seed/nocloud`]),
    ...binds,
    `--console=${options.console ?? 'pipe'}`,
  ];
  const cgroups = ownCgroups(options.name);
  // The shell moves itself into the container's cgroups, then becomes systemd-nspawn.
  const enter =
    'while [ "$1" != -- ]; do echo $$ >"$1/cgroup.procs" || exit 125; shift; done; shift; exec systemd-nspawn "$@"';
  const machine = new Machine('sh', ['-c', enter, 'sh', ...cgroups, '--', ...args], {
    console: join(options.out, 'console.log'),
    timeoutMs: options.timeoutMs,
    cutPower: killContainer,
  });
  void machine.finished
    .catch(() => undefined)
    .then(async () => {
      for (const cgroup of cgroups) await removeCgroup(cgroup);
    });
  if (options.networkInterface !== undefined) {
    attachInterface(machine, options.networkInterface).catch((error: Error) => {
      console.log(`  ${options.name}: ${error.message}`);
      machine.cutPower();
    });
  }
  return machine;
}
