// A private containerd for the tests: its own root, state and socket in a temp dir, only the
// plugins an image import needs (no CRI, no remote snapshotters, nothing under /opt), driven
// with `ctr --address`. It never touches the host's containerd.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeTree } from './cleanup.ts';
import { startDaemon } from './daemon.ts';

const run = promisify(execFile);

// Plugins that would reach outside the temp dir (opt: /opt/containerd; cri: CNI, a
// streaming port, the host's cgroups) or need kernel features an import does not.
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.internal.v1.opt',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.devmapper',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.tracing.processor.v1.otlp',
  'io.containerd.internal.v1.tracing',
];

/** How long containerd may take to answer on a busy machine. */
const READY_LIMIT_MS = 60_000;

export interface TestContainerd {
  socket: string;
  /** Runs `ctr --address SOCKET -n NAMESPACE ARGS…` (k8s.io, the CRI's, by default) and returns its stdout. */
  ctr(args: string[], namespace?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startContainerd(): Promise<TestContainerd> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-containerd-'));
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      `disabled_plugins = [${DISABLED_PLUGINS.map((plugin) => `"${plugin}"`).join(', ')}]`,
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const daemon = startDaemon('containerd', ['--config', config, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { child } = daemon;
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const ctr = async (args: string[], namespace = 'k8s.io') =>
    (await run('ctr', ['--address', socket, '-n', namespace, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
  const stop = async () => {
    await daemon.stop();
    await removeTree(dir);
  };
  const deadline = Date.now() + READY_LIMIT_MS;
  for (;;) {
    try {
      await run('ctr', ['--address', socket, 'version']);
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        const why =
          child.exitCode !== null ? `exited (${child.exitCode})` : `did not answer within ${READY_LIMIT_MS / 1000} s`;
        throw new Error(`containerd ${why}: ${(error as Error).message}\nit printed: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { socket, ctr, stop };
}
