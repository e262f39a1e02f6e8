// The package repository a stock machine installs from in the e2e boots: a real flat apt
// repository (apt-ftparchive), signed with a real key (gpg), that real apt on the machine
// verifies. It stands for a site's mirror (the spec's packageRepository): stand-in kubeadm,
// kubelet, kubectl, cri-tools and kubernetes-cni packages (built with dpkg-deb, named as
// stand-ins in their descriptions; a newer patch beside the wanted one, which must not be
// installed), and Debian's real containerd 2.1.9 (a version Kubernetes 1.34 supports) and runc.
// Two copies: one signed by the key the spec pins, one signed by another key.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { Gpg } from '../helpers/gpg.ts';
import { kubeadmChecker } from '../stand-ins/strict-kubeadm/bundle.ts';
import { KUBEADM_PACKAGE_VERSION_FILE } from '../stand-ins/strict-kubeadm/package.ts';
import { cached, InputHash, REPO } from './cache.ts';
import { exec } from './exec.ts';

export const KUBERNETES_VERSION = '1.34.2';
/** Offered beside the wanted version: installing it would be a bug. */
export const NEWER_PATCH = '1.34.3';
export const MINOR = '1.34';
export const REVISION = '-1.1';
const STAND_INS = join(REPO, 'test/stand-ins');
const GUEST = join(REPO, 'test/e2e/guest');

/** Debian's own packages, from its pool (they are not in bookworm: containerd 2.1.9 is sid's), pinned by sha256. */
const DEBIAN_DEBS = [
  {
    file: 'containerd_2.1.9+ds1-5_amd64.deb',
    url: 'http://deb.debian.org/debian/pool/main/c/containerd/containerd_2.1.9+ds1-5_amd64.deb',
    sha256: '2dda86ce7033fd612fc50e136679d8174ccad680eb29cd4611e0d2a1b84cf591',
  },
  {
    file: 'runc_1.1.5+ds1-1+deb12u1_amd64.deb',
    url: 'http://deb.debian.org/debian/pool/main/r/runc/runc_1.1.5+ds1-1+deb12u1_amd64.deb',
    sha256: 'a00351f8c0318de0b424ecf5cd0fdb69880a89f3511cae4f6fff7de3e57881c5',
  },
];

export interface SigningKey {
  fingerprint: string;
  armored: string;
}

export interface AptRepositories {
  /** Signed by `pinned`; served at `<mirror>/v1.34/deb/`, with pinned's Release.key. */
  signed: string;
  /** The same packages signed by `other`. */
  signedByOther: string;
  pinned: SigningKey;
  other: SigningKey;
}

interface StandInPackage {
  name: string;
  version: string;
  depends?: string;
  description: string;
  files: Array<{ path: string; content: string; mode: number }>;
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** A stand-in tool installed at /usr/lib/kubeseed-e2e/NAME-stand-in with lib.sh beside it, and /usr/bin/NAME running it with this machine as its root. */
function standInTool(name: string, wrapper: string) {
  const dir = `/usr/lib/kubeseed-e2e/${name}-stand-in`;
  return [
    { path: `${dir}/${name}`, content: read(join(STAND_INS, name)), mode: 0o755 },
    { path: `${dir}/lib.sh`, content: read(join(STAND_INS, 'lib.sh')), mode: 0o644 },
    { path: `/usr/bin/${name}`, content: wrapper.replaceAll('STAND_IN_DIR', dir), mode: 0o755 },
  ];
}

const KUBEADM_DIR = '/usr/lib/kubeseed-e2e/kubeadm-stand-in';

/**
 * The strict stand-in kubeadm (test/stand-ins/kubeadm and its checker, run by the image's
 * nodejs) with this machine as its root: it checks what it is given as kubeadm of the package's
 * version would (the version file, as a real kubeadm's version is its binary's) and records its
 * calls under /var/log/kubeseed-standins.
 */
function kubeadm(version: string): StandInPackage {
  const wrapper = `#!/bin/bash
# Stand-in kubeadm ${version} (kubeseed e2e test double, not Kubernetes): test/stand-ins/kubeadm with
# this machine as its root; it records its calls under /var/log/kubeseed-standins.
set -u
export KUBESEED_BOOT_ROOT=/ STANDIN_LOG=/var/log/kubeseed-standins
STAND_IN_DIR/kubeadm "$@" || exit
# As kubeadm does to the kubelet: its kubelet-start phase restarts it, reset stops it.
case "\${1:-}" in
  init | join) systemctl restart kubelet.service ;;
  reset) systemctl stop kubelet.service ;;
esac
`;
  return {
    name: 'kubeadm',
    version: `${version}${REVISION}`,
    // The checker runs on Node; on a real machine kubeadm needs nothing.
    depends: 'nodejs',
    description: `stand-in kubeadm ${version} for kubeseed's e2e boots (a test double, not Kubernetes)`,
    files: [
      ...standInTool('kubeadm', wrapper),
      { path: `${KUBEADM_DIR}/kubeadm-check.cjs`, content: read(kubeadmChecker()), mode: 0o644 },
      { path: KUBEADM_PACKAGE_VERSION_FILE, content: `v${version}\n`, mode: 0o644 },
    ],
  };
}

function kubectl(version: string): StandInPackage {
  const wrapper = `#!/bin/bash
# Stand-in kubectl ${version} (kubeseed e2e test double, not Kubernetes).
export KUBESEED_BOOT_ROOT=/ STANDIN_LOG=/var/log/kubeseed-standins
exec STAND_IN_DIR/kubectl "$@"
`;
  return {
    name: 'kubectl',
    version: `${version}${REVISION}`,
    description: `stand-in kubectl ${version} for kubeseed's e2e boots (a test double, not Kubernetes)`,
    files: standInTool('kubectl', wrapper),
  };
}

function kubelet(version: string): StandInPackage {
  return {
    name: 'kubelet',
    version: `${version}${REVISION}`,
    // As the real package: the CNI plugins come with it.
    depends: 'kubernetes-cni (>= 1.2.0)',
    description: `stand-in kubelet ${version} for kubeseed's e2e boots (a test double, not Kubernetes)`,
    files: [
      { path: '/usr/bin/kubelet', content: read(join(GUEST, 'kubelet')), mode: 0o755 },
      // Installed, not enabled: enabling it is kubeseed-boot's job, and the test checks that it did.
      { path: '/lib/systemd/system/kubelet.service', content: read(join(GUEST, 'kubelet.service')), mode: 0o644 },
    ],
  };
}

function standIns(): StandInPackage[] {
  return [
    kubeadm(KUBERNETES_VERSION),
    kubeadm(NEWER_PATCH),
    kubelet(KUBERNETES_VERSION),
    kubelet(NEWER_PATCH),
    kubectl(KUBERNETES_VERSION),
    kubectl(NEWER_PATCH),
    {
      name: 'cri-tools',
      version: `${MINOR}.0${REVISION}`,
      description: "stand-in crictl for kubeseed's e2e boots (a test double, not cri-tools)",
      files: [
        { path: '/usr/bin/crictl', content: '#!/bin/sh\necho "crictl version v1.34.0 (stand-in)"\n', mode: 0o755 },
      ],
    },
    {
      name: 'kubernetes-cni',
      version: `1.7.1${REVISION}`,
      description: "stand-in CNI plugins for kubeseed's e2e boots (a test double: no plugins)",
      files: [{ path: '/opt/cni/bin/README.kubeseed-e2e', content: 'stand-in: no CNI plugins\n', mode: 0o644 }],
    },
  ];
}

function buildDeb(pkg: StandInPackage, tree: string, out: string): void {
  rmSync(tree, { recursive: true, force: true });
  for (const file of pkg.files) {
    const target = join(tree, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }
  mkdirSync(join(tree, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(tree, 'DEBIAN/control'),
    [
      `Package: ${pkg.name}`,
      `Version: ${pkg.version}`,
      'Architecture: amd64',
      'Maintainer: kubeseed e2e <e2e@kubeseed.invalid>',
      ...(pkg.depends ? [`Depends: ${pkg.depends}`] : []),
      `Description: ${pkg.description}`,
      ' Built by kubeseed test/e2e/apt-repository.ts for the stock-image boots.',
      '',
    ].join('\n'),
  );
  execFileSync(
    'dpkg-deb',
    ['--root-owner-group', '-Zgzip', '--build', tree, join(out, `${pkg.name}_${pkg.version}_amd64.deb`)],
    {
      stdio: 'pipe',
    },
  );
}

async function debianDebs(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const deb of DEBIAN_DEBS) {
    const path = join(dir, deb.file);
    if (!existsSync(path))
      await exec('curl', ['-fsSL', '--retry', '5', '-o', path, deb.url], { timeoutMs: 10 * 60_000 });
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (sha256 !== deb.sha256) {
      rmSync(path);
      throw new Error(`${deb.url} has sha256 ${sha256}, not ${deb.sha256}: Debian's pool changed; pin the new file`);
    }
    files.push(path);
  }
  return files;
}

/** apt-ftparchive indexes; InRelease and Release.gpg signed with `key`; Release.key beside them, as pkgs.k8s.io has it. */
function signRepository(dir: string, gpg: Gpg, key: SigningKey): void {
  const ftparchive = (args: string[]) =>
    execFileSync('apt-ftparchive', args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  writeFileSync(join(dir, 'Packages'), ftparchive(['packages', '.']));
  execFileSync('gzip', ['-9kfn', 'Packages'], { cwd: dir });
  // Written beside the directory first: apt-ftparchive would list a half-written Release in itself.
  const release = ftparchive([
    '-o',
    'APT::FTPArchive::Release::Origin=kubeseed-e2e',
    '-o',
    'APT::FTPArchive::Release::Label=kubeseed-e2e stand-in Kubernetes mirror',
    '-o',
    'APT::FTPArchive::Release::Architectures=amd64',
    'release',
    '.',
  ]);
  writeFileSync(join(dir, 'Release'), release);
  gpg.run(['--local-user', key.fingerprint, '--clearsign', '--output', join(dir, 'InRelease'), join(dir, 'Release')]);
  gpg.run([
    '--local-user',
    key.fingerprint,
    '--armor',
    '--detach-sign',
    '--output',
    join(dir, 'Release.gpg'),
    join(dir, 'Release'),
  ]);
  writeFileSync(join(dir, 'Release.key'), key.armored);
}

async function build(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const gpg = new Gpg(join(dir, 'gnupg'));
  mkdirSync(gpg.home, { recursive: true, mode: 0o700 });
  const keyOf = (name: string): SigningKey => {
    const fingerprint = gpg.generate(name, 'rsa2048');
    return { fingerprint, armored: gpg.exportArmored(fingerprint) };
  };
  const keys = { pinned: keyOf('kubeseed e2e mirror'), other: keyOf('someone else') };
  writeFileSync(join(dir, 'keys.json'), `${JSON.stringify(keys, null, 2)}\n`);
  const debs = join(dir, 'debs');
  mkdirSync(debs, { recursive: true });
  for (const pkg of standIns()) buildDeb(pkg, join(dir, 'tree'), debs);
  rmSync(join(dir, 'tree'), { recursive: true, force: true });
  const debian = await debianDebs(join(REPO, '.cache/e2e'));
  for (const [name, key] of [
    ['signed', keys.pinned],
    ['signed-by-other', keys.other],
  ] as const) {
    const repo = join(dir, name);
    mkdirSync(repo, { recursive: true });
    for (const deb of readdirSync(debs)) copyFileSync(join(debs, deb), join(repo, deb));
    for (const deb of debian) copyFileSync(deb, join(repo, deb.split('/').at(-1)!));
    signRepository(repo, gpg, key);
  }
  // gpg-agent keeps sockets in the home; they must not be in the cache entry.
  execFileSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: gpg.home }, stdio: 'pipe' });
  rmSync(gpg.home, { recursive: true, force: true });
}

let repositories: Promise<AptRepositories> | undefined;

async function buildAll(): Promise<AptRepositories> {
  const hash = new InputHash().text('debs', JSON.stringify(DEBIAN_DEBS));
  for (const file of [
    import.meta.filename,
    join(STAND_INS, 'kubeadm'),
    join(STAND_INS, 'kubectl'),
    join(STAND_INS, 'lib.sh'),
    join(GUEST, 'kubelet'),
    join(GUEST, 'kubelet.service'),
    kubeadmChecker(),
  ])
    await hash.file(file);
  const dir = await cached('apt-repository', hash.hex, build);
  const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as { pinned: SigningKey; other: SigningKey };
  return { signed: join(dir, 'signed'), signedByOther: join(dir, 'signed-by-other'), ...keys };
}

/** Built once per process, or taken from .cache/e2e when its inputs are unchanged. */
export function aptRepositories(): Promise<AptRepositories> {
  repositories ??= buildAll();
  return repositories;
}
