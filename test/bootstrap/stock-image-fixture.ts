// A stock machine under a temporary root for the install phase: an /etc/os-release, no
// containerd, the stand-in package tools (test/stand-ins: apt-get, apt-cache, apt-mark,
// dpkg-query, dnf, rpm) told what the repositories offer, and a mirror of the Kubernetes
// repository on the test's own HTTP server serving a real key made by gpg.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeBundle } from '../../core/node-bundle.ts';
import { FileServer } from '../helpers/file-server.ts';
import { Gpg } from '../helpers/gpg.ts';
import { type Fixture, makeBundle, makeFixture } from './helpers.ts';

export const DEBIAN_12 =
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
export const ROCKY_9 =
  'NAME="Rocky Linux"\nVERSION="9.6 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.6"\nPRETTY_NAME="Rocky Linux 9.6 (Blue Onyx)"\n';
export const FEDORA_42 =
  'NAME="Fedora Linux"\nVERSION="42 (Cloud Edition)"\nID=fedora\nVERSION_ID=42\nPRETTY_NAME="Fedora Linux 42 (Cloud Edition)"\n';

/** The repositories' offers for the helpers' cluster (Kubernetes 1.33.2): a newer patch and an older revision beside the one wanted. */
export function debOffers(source: string, containerd = ['2.1.9+ds1-5', '1.6.20~ds1-1+deb12u3']): string[] {
  const kubernetes = ['kubeadm', 'kubelet', 'kubectl'].flatMap((name) => [
    `${name} 1.33.3-1.1 ${source}`,
    `${name} 1.33.2-1.1 ${source}`,
    `${name} 1.33.2-1.0 ${source}`,
  ]);
  return [
    ...kubernetes,
    `cri-tools 1.33.0-1.1 ${source}`,
    ...containerd.map((version) => `containerd ${version} ${source}`),
  ];
}

export function rpmOffers(source: string): string[] {
  const kubernetes = ['kubeadm', 'kubelet', 'kubectl'].flatMap((name) => [
    `${name} 1.33.3-150500.1.1 ${source}`,
    `${name} 1.33.2-150500.1.1 ${source}`,
  ]);
  return [...kubernetes, `cri-tools 1.33.0-150500.1.1 ${source}`];
}

let keys: { gpg: Gpg; pinned: string; other: string } | undefined;

/** Two real signing keys per test process: the one the bundle pins, and another. */
export function signingKeys() {
  if (!keys) {
    const gpg = new Gpg();
    keys = { gpg, pinned: gpg.generate('kubeseed test repo'), other: gpg.generate('someone else') };
  }
  return keys;
}

export function removeSigningKeys(): void {
  keys?.gpg.remove();
  keys = undefined;
}

export interface StockFixture extends Fixture {
  server: FileServer;
  /** The mirror's base URL in the bundle (`…/k8s/`). */
  mirror: string;
  fingerprint: string;
}

export interface StockOptions {
  osRelease?: string;
  format?: 'deb' | 'rpm';
  offers?: (source: string) => string[];
  /** The containerd the image has (stand-in `containerd --version`); none on a stock image. */
  containerd?: string;
  /** Which key the mirror serves: the pinned one, or another. */
  servedKey?: 'pinned' | 'other';
  releaseMirror?: boolean;
  /** Extra environment for the stand-ins (STANDIN_DNF_VERSION). */
  env?: NodeJS.ProcessEnv;
}

export async function stockFixture(options: StockOptions = {}): Promise<StockFixture> {
  const { gpg, pinned, other } = signingKeys();
  const format = options.format ?? 'deb';
  const server = new FileServer();
  const base = await server.start();
  const mirror = `${base}/k8s/`;
  const keyPath = format === 'deb' ? '/k8s/v1.33/deb/Release.key' : '/k8s/v1.33/rpm/repodata/repomd.xml.key';
  server.serve(keyPath, { text: gpg.exportArmored(options.servedKey === 'other' ? other : pinned) });
  const bundle: NodeBundle = {
    ...makeBundle('init'),
    install: {
      machineImage: 'stock',
      packageRepository: { url: mirror, keyFingerprint: pinned },
      ...(options.releaseMirror ? { releaseMirror: `${base}/github/` } : {}),
    },
  };
  const fixture = makeFixture(bundle);
  writeFileSync(join(fixture.root, 'etc/os-release'), options.osRelease ?? DEBIAN_12);
  mkdirSync(join(fixture.log, 'packages'), { recursive: true });
  const offers = (options.offers ?? (format === 'deb' ? debOffers : rpmOffers))(`${mirror}v1.33/${format}`);
  writeFileSync(join(fixture.log, 'packages', 'offers'), `${offers.join('\n')}\n`);
  return {
    ...fixture,
    env: { ...fixture.env, STANDIN_CONTAINERD_VERSION: options.containerd ?? 'none', ...options.env },
    server,
    mirror,
    fingerprint: pinned,
  };
}

/** The stand-in package tools' record of what is installed: name → version. */
export function installedPackages(fixture: Fixture): Record<string, string> {
  const text = readFileSync(join(fixture.log, 'packages', 'installed'), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ') as [string, string]),
  );
}

export function heldPackages(fixture: Fixture): string[] {
  return readFileSync(join(fixture.log, 'packages', 'held'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .sort();
}
