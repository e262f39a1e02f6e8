// containerd from its own release files, for machines whose distribution has none the cluster's
// minor supports: the static tarball and static runc, each checked against its pinned sha256
// before a byte of it is installed, laid out as containerd's getting-started guide does
// (/usr/local/bin, /usr/local/sbin/runc, the unit in /usr/local/lib/systemd/system).
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { Arch } from '../../core/arch.ts';
import { KubeseedError } from '../../core/errors.ts';
import { type ContainerdRelease, mirroredUrl, upstreamVersion } from '../../core/package-catalogue.ts';
import { mustRun, runCommand } from '../commands.ts';
import { downloadPinned } from '../downloads.ts';
import { STATE_DIR } from '../paths.ts';
import type { PhaseContext } from '../phase.ts';

const DOWNLOADS = `${STATE_DIR}/downloads`;
export const RELEASE_BIN_DIR = '/usr/local/bin';
export const RUNC_PATH = '/usr/local/sbin/runc';
export const CONTAINERD_UNIT_PATH = '/usr/local/lib/systemd/system/containerd.service';
/** What the static tarball holds under bin/; anything else in it is left alone. */
const BINARY_NAME = /^bin\/([a-z0-9][a-z0-9._-]*)$/;

/** containerd/containerd containerd.service at commit e0459262ba8b52e936b3b2e555e7faeab846b600 (Apache-2.0), without its licence header. */
export const CONTAINERD_UNIT = `[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target dbus.service

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd

Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5

# Having non-zero Limit*s causes performance problems due to accounting overhead
# in the kernel. We recommend using cgroups to do container-local accounting.
LimitNPROC=infinity
LimitCORE=infinity

# Comment TasksMax if your systemd version does not supports it.
# Only systemd 226 and above support this version.
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
`;

async function readAll(ctx: PhaseContext, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.host.readStream(path)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** The regular files under bin/ in the gzipped tarball at `path`. */
async function binaries(ctx: PhaseContext, path: string): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const extract = tar.extract();
  Readable.from(ctx.host.readStream(path))
    .pipe(createGunzip())
    .on('error', (error) => extract.destroy(error))
    .pipe(extract);
  for await (const entry of extract) {
    const name = BINARY_NAME.exec(entry.header.name.replace(/^\.\//, ''))?.[1];
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (name && entry.header.type === 'file') found.set(name, Buffer.concat(chunks));
  }
  if (!found.has('containerd')) throw new KubeseedError('integrity', `${path} holds no bin/containerd`);
  return found;
}

/** The upstream version `containerd --version` reports, if a containerd is on PATH. */
export async function runningContainerdVersion(ctx: PhaseContext): Promise<string | undefined> {
  const result = await runCommand(ctx, ['containerd', '--version'], { timeoutMs: 60_000 });
  if (result.code !== 0) return undefined;
  // `containerd github.com/containerd/containerd/v2 2.1.9 <commit>`; Debian's: `… 1.7.24~ds1 1.7.24~ds1-6+deb13u1`.
  return upstreamVersion(result.stdout.trim().split(/\s+/)[2] ?? '');
}

/** `mirror`: a site's copy of GitHub's release downloads; the pinned digests are checked all the same. */
export async function installContainerdRelease(
  ctx: PhaseContext,
  release: ContainerdRelease,
  arch: Arch,
  mirror?: string,
) {
  const tarball = `${DOWNLOADS}/containerd-${release.containerd.version}-${arch}.tar.gz`;
  const runc = `${DOWNLOADS}/runc-${release.runc.version}-${arch}`;
  try {
    await downloadPinned(
      ctx,
      {
        url: mirroredUrl(release.containerd.url[arch], mirror),
        sha256: release.containerd.sha256[arch],
        what: `containerd ${release.containerd.version} (${arch})`,
      },
      tarball,
      0o600,
    );
    await downloadPinned(
      ctx,
      {
        url: mirroredUrl(release.runc.url[arch], mirror),
        sha256: release.runc.sha256[arch],
        what: `runc ${release.runc.version} (${arch})`,
      },
      runc,
      0o600,
    );
    for (const [name, content] of await binaries(ctx, tarball))
      await ctx.host.writeFile(`${RELEASE_BIN_DIR}/${name}`, content, 0o755);
    await ctx.host.writeFile(RUNC_PATH, await readAll(ctx, runc), 0o755);
    await ctx.host.writeFile(CONTAINERD_UNIT_PATH, CONTAINERD_UNIT, 0o644);
  } finally {
    await ctx.host.remove(DOWNLOADS);
  }
  await mustRun(ctx, ['systemctl', 'daemon-reload'], { timeoutMs: 120_000 });
  await mustRun(ctx, ['systemctl', 'enable', 'containerd.service'], { timeoutMs: 120_000 });
  ctx.log.info(
    `installed containerd ${release.containerd.version} and runc ${release.runc.version} from their release files into /usr/local`,
  );
}
