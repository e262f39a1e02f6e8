// The install phase on a stock Debian/Ubuntu image, against a temporary root with stand-in
// apt-get, apt-cache, apt-mark and dpkg-query (test/stand-ins) and a real key served over HTTP:
// the repository is trusted only through the pinned fingerprint, exactly the bundle's versions
// are installed and held, containerd is one the minor supports, network trouble is waited out
// and a key, signature or checksum that does not match ends the phase with nothing left behind.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderBundle } from '../../core/node-bundle.ts';
import { CONTAINERD_RELEASES } from '../../core/package-catalogue.ts';
import { Gpg } from '../helpers/gpg.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  control,
  exists,
  file,
  mode,
  runAgent,
  STAND_INS,
  state,
  tempDir,
} from './helpers.ts';
import {
  debOffers,
  heldPackages,
  installedPackages,
  removeSigningKeys,
  type StockFixture,
  signingKeys,
  stockFixture,
} from './stock-image-fixture.ts';

const test = needing(suite('stock image: install phase with stand-in apt'), {
  tools: [...AGENT_TOOLS, 'gpg', 'gpg-agent'],
});
const fixtures: StockFixture[] = [];

async function fixture(...args: Parameters<typeof stockFixture>): Promise<StockFixture> {
  const made = await stockFixture(...args);
  fixtures.push(made);
  return made;
}

test.after(async () => {
  for (const made of fixtures) await made.server.close();
  removeSigningKeys();
  await cleanup();
});

const KEY = '/etc/apt/keyrings/kubeseed-kubernetes.asc';
const LIST = '/etc/apt/sources.list.d/kubeseed-kubernetes.list';
const INSTALL =
  'apt-get install -y -q --allow-downgrades --allow-change-held-packages -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';
const CHECKS = [
  'dpkg-query -W -f=${Package} ${db:Status-Status} ${Version}\\n kubeadm kubelet kubectl',
  'apt-mark showhold',
  'containerd --version',
];

test('Debian 12: the pinned key, the repository line, kubeadm/kubelet/kubectl 1.33.2-1.1 held, containerd 2.1.9 from apt, kubelet enabled', async () => {
  const stock = await fixture();
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.equal(commands(stock), [
    'apt-get update -q --error-on=any',
    'apt-cache madison kubeadm kubelet kubectl',
    'containerd --version',
    'apt-cache madison containerd',
    `${INSTALL} kubeadm=1.33.2-1.1 kubelet=1.33.2-1.1 kubectl=1.33.2-1.1 cri-tools containerd=2.1.9+ds1-5`,
    'apt-mark hold kubeadm kubelet kubectl',
    'systemctl enable kubelet.service',
    ...CHECKS,
    'containerd --version',
  ]);
  assert.equal(installedPackages(stock), {
    kubeadm: '1.33.2-1.1',
    kubelet: '1.33.2-1.1',
    kubectl: '1.33.2-1.1',
    'cri-tools': '1.33.0-1.1',
    containerd: '2.1.9+ds1-5',
  });
  assert.equal(heldPackages(stock), ['kubeadm', 'kubectl', 'kubelet']);
  assert.is(
    file(stock, LIST),
    `# Written by kubeseed-boot; \`kubeseed-boot reset\` removes it.\n# Kubernetes 1.33 packages\ndeb [signed-by=${KEY}] ${stock.mirror}v1.33/deb/ /\n`,
  );
  assert.is(mode(stock, KEY), 0o644);
  assert.equal(new Gpg(tempDir('kubeseed-gpg-')).showKeys(join(stock.root, KEY)), [stock.fingerprint]);
  assert.is(stock.server.requestsFor('/k8s/v1.33/deb/Release.key').length, 1);
  assert.not.ok(exists(stock, '/var/lib/kubeseed/downloads/kubernetes-release.key'), 'the downloaded copy is gone');
  assert.match(result.stdout, /INFO install Debian GNU\/Linux 12 \(bookworm\): installing with apt/);
  assert.match(result.stdout, /containerd 2\.1\.9\+ds1-5 from the package repositories: Kubernetes 1\.33 supports it/);
  assert.is(state(stock).phases.install?.status, 'done');

  const before = commands(stock).length;
  const again = await runAgent(stock, ['phase', 'install']);
  assert.is(again.code, 0);
  assert.match(again.stdout, /INFO install already done/);
  assert.equal(commands(stock).slice(before), CHECKS, 'the next boot only checks, and installs nothing');
});

/** The stand-ins without nft, and none of the host's own tools that live in /usr/sbin (nft among them). */
function pathWithoutNft(): string {
  const dir = tempDir('kubeseed-no-nft-');
  for (const name of readdirSync(STAND_INS)) if (name !== 'nft') symlinkSync(join(STAND_INS, name), join(dir, name));
  return `${dir}:/usr/bin:/bin`;
}

test('a stock image without nft: nftables is installed with the rest, for the metadata guard (not when the guard is off)', async () => {
  const offers = (source: string) => [...debOffers(source), `nftables 1.0.6-2+deb12u2 ${source}`];
  const stock = await fixture({ offers, env: { PATH: pathWithoutNft() } });
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.ok(
    commands(stock).includes(
      `${INSTALL} kubeadm=1.33.2-1.1 kubelet=1.33.2-1.1 kubectl=1.33.2-1.1 cri-tools containerd=2.1.9+ds1-5 nftables`,
    ),
    commands(stock).join('\n'),
  );
  assert.is(installedPackages(stock).nftables, '1.0.6-2+deb12u2');
  assert.match(result.stdout, /nft is not on PATH: installing nftables for the metadata guard/);

  const unguarded = await fixture({ offers, env: { PATH: pathWithoutNft() } });
  const bundle = { ...unguarded.bundle, node: { ...unguarded.bundle.node, metadataGuard: false } };
  writeFileSync(join(unguarded.root, 'etc/kubeseed/node.yaml'), renderBundle(bundle), { mode: 0o600 });
  const off = await runAgent(unguarded, ['phase', 'install']);
  assert.is(off.code, 0, off.stdout + off.stderr);
  assert.is(installedPackages(unguarded).nftables, undefined);
});

// pi-gen's trixie images: os-release says Debian 13, /etc/rpi-issue says Raspberry Pi OS, and
// rpi-swap (configured in /etc/rpi/swap.conf) brings zram and a swap file up at every boot.
const PIOS_TRIXIE =
  'PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nNAME="Debian GNU/Linux"\nVERSION_ID="13"\nVERSION_CODENAME=trixie\nID=debian\n';

test('Raspberry Pi OS (trixie): apt as on Debian 13 with its containerd 1.7.24, then the host phase turns rpi-swap and the zram generator off for good', async () => {
  const stock = await fixture({
    osRelease: PIOS_TRIXIE,
    offers: (source) => debOffers(source, ['1.7.24~ds1-6+deb13u1']),
  });
  const put = (path: string, content: string) => {
    mkdirSync(join(stock.root, path, '..'), { recursive: true });
    writeFileSync(join(stock.root, path), content);
  };
  put('/etc/rpi-issue', 'Raspberry Pi reference 2025-11-24\n');
  put('/etc/rpi/swap.conf', '[Main]\nMechanism=auto\n');
  put('/usr/lib/systemd/system-generators/zram-generator', '');
  const installed = await runAgent(stock, ['phase', 'install']);
  assert.is(installed.code, 0, installed.stdout + installed.stderr);
  assert.match(installed.stdout, /Raspberry Pi OS \(Debian GNU\/Linux 13 \(trixie\)\): installing with apt/);
  assert.match(
    installed.stdout,
    /containerd 1\.7\.24~ds1-6\+deb13u1 from the package repositories: Kubernetes 1\.33 supports it/,
  );
  assert.equal(installedPackages(stock).containerd, '1.7.24~ds1-6+deb13u1');
  assert.equal(heldPackages(stock), ['kubeadm', 'kubectl', 'kubelet']);

  const host = await runAgent(stock, ['phase', 'host']);
  assert.is(host.code, 0, host.stdout + host.stderr);
  assert.ok(commands(stock).includes('swapoff -a'));
  assert.match(file(stock, '/etc/rpi/swap.conf.d/90-kubeseed.conf'), /^\[Main\]\nMechanism=none\n$/m);
  assert.not.match(file(stock, '/etc/systemd/zram-generator.conf'), /^\[zram/m);
  assert.is(file(stock, '/etc/rpi/swap.conf'), '[Main]\nMechanism=auto\n', "the image's own file stays as it was");
});

test('a key whose fingerprint is not the pinned one → exit 3, the reason in status, nothing configured, not retried', async () => {
  const stock = await fixture({ servedKey: 'other' });
  const result = await runAgent(stock, ['run']);
  assert.is(result.code, 3, result.stdout + result.stderr);
  const record = state(stock).phases.install!;
  assert.is(record.status, 'failed');
  assert.match(record.lastError!, `holds key ${signingKeys().other}, not the pinned ${stock.fingerprint}`);
  assert.equal(commands(stock), [], 'no package tool ran');
  assert.not.ok(exists(stock, LIST));
  assert.not.ok(exists(stock, KEY));
  assert.is(stock.server.requestsFor('/k8s/v1.33/deb/Release.key').length, 1, 'fetched once');
  assert.is(state(stock).phases.preflight, undefined, 'nothing ran after install');
  const status = await runAgent(stock, ['status']);
  assert.match(status.stdout, /^install\s+failed\s+1\s+.*holds key [0-9A-F]{40}, not the pinned/m);
});

test('apt refuses the repository’s signature (NO_PUBKEY) → exit 3, the repository removed again, nothing installed', async () => {
  const stock = await fixture();
  control(
    stock,
    'apt-get',
    ['fail 1 update'],
    [
      `Err:1 ${stock.mirror}v1.33/deb  InRelease`,
      "  The following signatures couldn't be verified because the public key is not available: NO_PUBKEY C9AFF5BB2F389AED",
      `E: The repository '${stock.mirror}v1.33/deb  InRelease' is not signed.`,
      '',
    ].join('\n'),
  );
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 3, result.stdout + result.stderr);
  assert.equal(commands(stock), ['apt-get update -q --error-on=any'], 'not retried, nothing installed');
  assert.not.ok(exists(stock, LIST), 'a later apt-get update is not broken by it');
  assert.not.ok(exists(stock, KEY));
  assert.match(state(stock).phases.install!.lastError!, /NO_PUBKEY C9AFF5BB2F389AED/);
  assert.equal(installedPackages(stock), {});
});

test('a network that drops the key download twice and fails apt-get update once → waited out, then installed', async () => {
  const stock = await fixture();
  stock.server.dropNext(2, '/k8s/');
  control(
    stock,
    'apt-get',
    ['fail 1 update'],
    `W: Failed to fetch ${stock.mirror}v1.33/deb/InRelease  Could not connect to 127.0.0.1 (127.0.0.1). - connect (111: Connection refused)\n`,
  );
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.is(stock.server.requestsFor('/k8s/v1.33/deb/Release.key').length, 3);
  assert.is(commands(stock).filter((line) => line.startsWith('apt-get update')).length, 2);
  assert.is((result.stdout.match(/WARN install download failed: .*; trying again in/g) ?? []).length, 2);
  assert.match(result.stdout, /WARN install `apt-get update -q --error-on=any` exited with code 1: W: Failed to fetch/);
  const record = state(stock).phases.install!;
  assert.is(record.status, 'done');
  assert.is(record.attempts, 4, 'the phase, and three retries inside it');
  assert.is(installedPackages(stock).kubeadm, '1.33.2-1.1');
});

test('dpkg interrupted by a power cut → `dpkg --configure -a`, then the install again', async () => {
  const stock = await fixture();
  control(
    stock,
    'apt-get',
    ['fail 1 install'],
    "E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.\n",
  );
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  const ran = commands(stock);
  const repair = ran.indexOf('dpkg --configure -a');
  assert.ok(repair > 0, ran.join('\n'));
  assert.ok(ran[repair - 1]!.startsWith(INSTALL) && ran[repair + 1]!.startsWith(INSTALL));
});

test('no containerd the minor supports in apt → containerd’s pinned release files, refused when their sha256 differs (exit 3, nothing installed)', async () => {
  const stock = await fixture({ offers: (source) => debOffers(source, ['1.6.20~ds1-1+deb12u3']), releaseMirror: true });
  const release = CONTAINERD_RELEASES['1.33']!.containerd;
  const path = `/github/containerd/containerd/releases/download/v${release.version}/containerd-static-${release.version}-linux-amd64.tar.gz`;
  stock.server.serve(path, { text: 'not the containerd release\n' });
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 3, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /the package repositories offer no containerd Kubernetes 1\.33 supports \(2\.1\.0\+, 2\.0\.4\+, 1\.7\.24\+, 1\.6\.36\+\): installing containerd 2\.1\.9 from its pinned release files/,
  );
  assert.ok(
    commands(stock).some((line) => line.endsWith('kubectl=1.33.2-1.1 cri-tools')),
    'apt installs no containerd',
  );
  assert.match(
    state(stock).phases.install!.lastError!,
    new RegExp(`has sha256 [0-9a-f]{64}, not the pinned ${release.sha256.amd64}`),
  );
  assert.is(stock.server.requestsFor(path).length, 1, 'not retried');
  assert.not.ok(exists(stock, '/usr/local/bin/containerd'));
  assert.not.ok(
    existsSync(join(stock.root, 'var/lib/kubeseed/downloads', `containerd-${release.version}-amd64.tar.gz`)),
  );
});

test('an unsupported distribution → exit 3 naming it and the supported list; nothing written, nothing run', async () => {
  for (const [osRelease, why] of [
    [
      'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.22.1\nPRETTY_NAME="Alpine Linux v3.22"\n',
      /Alpine Linux v3\.22 \(ID=alpine VERSION_ID=3\.22\.1\) is not a distribution kubeseed-boot installs on/,
    ],
    [
      'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="25.10"\nPRETTY_NAME="Ubuntu 25.10"\n',
      /Ubuntu 25\.10 \(ID=ubuntu VERSION_ID=25\.10\) is not a supported Ubuntu LTS release/,
    ],
    ['PRETTY_NAME="Raspbian GNU/Linux 13 (trixie)"\nID=raspbian\nVERSION_ID="13"\n', /is the 32-bit Raspberry Pi OS/],
  ] as const) {
    const stock = await fixture({ osRelease });
    const result = await runAgent(stock, ['phase', 'install']);
    assert.is(result.code, 3, result.stdout + result.stderr);
    assert.match(result.stderr, why);
    assert.match(
      result.stderr,
      /kubeseed-boot installs Kubernetes on Ubuntu 22\.04, 24\.04 and later LTS releases, Debian 12 and 13/,
    );
    assert.equal(commands(stock), []);
    assert.not.ok(exists(stock, LIST));
    assert.is(stock.server.requests.length, 0);
  }
});

test('a prepared image: nothing installed; a containerd the minor does not support is named in a warning', async () => {
  const stock = await fixture({ containerd: '1.6.20~ds1' });
  writeFileSync(
    join(stock.root, 'etc/kubeseed/node.yaml'),
    readFileSync(join(stock.root, 'etc/kubeseed/node.yaml'), 'utf8').replace(
      'machineImage: stock',
      'machineImage: prepared',
    ),
  );
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.equal(commands(stock), ['containerd --version']);
  assert.match(
    result.stdout,
    /WARN install the image's containerd 1\.6\.20 is not one containerd recommends for Kubernetes 1\.33 \(2\.1\.0\+, 2\.0\.4\+, 1\.7\.24\+, 1\.6\.36\+\)/,
  );
  assert.is(stock.server.requests.length, 0);
});

test.run();
