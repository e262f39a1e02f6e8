// A network for one systemd-nspawn machine with nothing on it but this test process: a veth
// pair whose one end, with an address of a /30 in 198.18.0.0/15 (RFC 2544's benchmarking
// range, routed nowhere), stays with the test, and whose other end systemd-nspawn moves into
// the machine's own network namespace (--network-interface, a private network whose sysctls
// the machine may set). The machine's apparatus unit (guest/test-network) gives that end its
// address, as a cloud's DHCP would: the address is in a file bound into the machine.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from './exec.ts';

const PREFIX = 'kse';
let count = 0;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ip(...args: string[]): Promise<void> {
  await exec('ip', args, { timeoutMs: 30_000 });
}

/** Host ends of test runs that were killed before they could remove theirs (`kse<pid base 36>h<n>`). */
async function removeStale(): Promise<void> {
  for (const name of readdirSync('/sys/class/net')) {
    const match = new RegExp(`^${PREFIX}([0-9a-z]+)h[0-9a-z]+$`).exec(name);
    const pid = match ? Number.parseInt(match[1]!, 36) : 0;
    if (pid && pid !== process.pid && !isRunning(pid)) await ip('link', 'delete', name).catch(() => undefined);
  }
}

export class TestNetwork {
  private constructor(
    /** The test's end: its servers listen on `hostAddress`. */
    readonly hostEnd: string,
    /** The end systemd-nspawn moves into the machine. */
    readonly guestEnd: string,
    readonly hostAddress: string,
    /** The machine's address, with its prefix length. */
    readonly guestCidr: string,
    /** A directory to bind at /etc/kubeseed-e2e/network: `INTERFACE ADDRESS/PREFIX`. */
    readonly configDir: string,
  ) {}

  static async create(dir: string): Promise<TestNetwork> {
    if (count === 0) await removeStale();
    count += 1;
    const id = `${PREFIX}${process.pid.toString(36)}`;
    // One /30 per network: the pid picks a /24 of the range, the count a /30 in it.
    const base = `198.${18 + ((process.pid >> 8) % 2)}.${process.pid % 256}`;
    const configDir = join(dir, `network-${count}`);
    const network = new TestNetwork(
      `${id}h${count.toString(36)}`,
      `${id}g${count.toString(36)}`,
      `${base}.${4 * count + 1}`,
      `${base}.${4 * count + 2}/30`,
      configDir,
    );
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'interface'), `${network.guestEnd} ${network.guestCidr}\n`);
    await network.connect();
    return network;
  }

  /**
   * Makes the pair (again): a machine's end goes with its namespace when it powers off, and
   * the host's end with it, so every boot needs a new pair. The address stays the same, and
   * a server listening on it keeps its socket.
   */
  async connect(): Promise<void> {
    await this.remove();
    try {
      await ip('link', 'add', this.hostEnd, 'type', 'veth', 'peer', 'name', this.guestEnd);
      await ip('address', 'add', `${this.hostAddress}/30`, 'dev', this.hostEnd);
      await ip('link', 'set', this.hostEnd, 'up');
    } catch (error) {
      await this.remove();
      throw error;
    }
  }

  /** Deleting one end deletes the pair; after a boot the machine's end is gone with its namespace already. */
  async remove(): Promise<void> {
    await ip('link', 'delete', this.hostEnd).catch(() => undefined);
    await ip('link', 'delete', this.guestEnd).catch(() => undefined);
  }
}
