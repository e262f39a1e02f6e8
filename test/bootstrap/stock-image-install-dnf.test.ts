// The install phase's dnf path (RHEL family, Fedora). No RPM distribution boots here: these
// check the repository file, the key and the commands it gives stand-in dnf and rpm
// (test/stand-ins), against the same pinned catalogue the apt path uses.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DNF_KEY_PATH, DNF_REPO_PATH, dnfRepoFile } from '../../bootstrap/install/dnf.ts';
import { CONTAINERD_RELEASES, repositoryFor } from '../../core/package-catalogue.ts';
import { Gpg } from '../helpers/gpg.ts';
import { needing } from '../helpers/tools.ts';
import { AGENT_TOOLS, cleanup, commands, control, exists, file, mode, runAgent, state, tempDir } from './helpers.ts';
import {
  FEDORA_42,
  heldPackages,
  installedPackages,
  ROCKY_9,
  removeSigningKeys,
  type StockFixture,
  stockFixture,
} from './stock-image-fixture.ts';

const test = needing(suite('stock image: install phase with stand-in dnf and rpm (no RPM distribution boots here)'), {
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

const CHECKS = ['rpm -q --qf %{NAME} %{VERSION}-%{RELEASE}\\n kubeadm kubelet kubectl', 'containerd --version'];

test('the community repository file: the docs’ Red Hat repository for the minor, gpgcheck against the checked key, exclude= as the hold', () => {
  const repository = repositoryFor('1.34', 'rpm');
  assert.is(
    dnfRepoFile(repository, '1.34'),
    [
      '# Written by kubeseed-boot; `kubeseed-boot reset` removes it.',
      '[kubeseed-kubernetes]',
      'name=Kubernetes 1.34 (kubeseed)',
      'baseurl=https://pkgs.k8s.io/core:/stable:/v1.34/rpm/',
      'enabled=1',
      'gpgcheck=1',
      'gpgkey=file:///etc/pki/rpm-gpg/kubeseed-kubernetes.asc',
      'exclude=kubelet kubeadm kubectl cri-tools kubernetes-cni',
      '',
    ].join('\n'),
  );
});

test('Rocky Linux 9 (dnf4): key checked and imported, exact versions with excludes lifted for this repository only, an installed containerd 2.1.9 kept', async () => {
  const stock = await fixture({ osRelease: ROCKY_9, format: 'rpm', containerd: '2.1.9' });
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.equal(commands(stock), [
    `rpm --import ${DNF_KEY_PATH}`,
    'dnf makecache -y',
    'containerd --version',
    'dnf --version',
    'dnf install -y --disableexcludes=kubeseed-kubernetes kubeadm-1.33.2 kubelet-1.33.2 kubectl-1.33.2 cri-tools',
    'systemctl enable kubelet.service',
    ...CHECKS,
    'containerd --version',
  ]);
  assert.is(
    file(stock, DNF_REPO_PATH),
    dnfRepoFile(repositoryFor('1.33', 'rpm', { url: stock.mirror, keyFingerprint: stock.fingerprint }), '1.33'),
  );
  assert.match(file(stock, DNF_REPO_PATH), `baseurl=${stock.mirror}v1.33/rpm/\n`);
  assert.is(mode(stock, DNF_KEY_PATH), 0o644);
  assert.equal(new Gpg(tempDir('kubeseed-gpg-')).showKeys(join(stock.root, DNF_KEY_PATH)), [stock.fingerprint]);
  assert.is(stock.server.requestsFor('/k8s/v1.33/rpm/repodata/repomd.xml.key').length, 1);
  assert.equal(installedPackages(stock), {
    kubeadm: '1.33.2-150500.1.1',
    kubelet: '1.33.2-150500.1.1',
    kubectl: '1.33.2-150500.1.1',
    'cri-tools': '1.33.0-150500.1.1',
  });
  assert.equal(heldPackages(stock), [], 'dnf holds by exclude=, not by a lock list');
  assert.match(result.stdout, /INFO install Rocky Linux 9\.6 \(Blue Onyx\): installing with dnf/);
  assert.match(result.stdout, /containerd 2\.1\.9 is installed already, and Kubernetes 1\.33 supports it/);

  const before = commands(stock).length;
  const again = await runAgent(stock, ['phase', 'install']);
  assert.match(again.stdout, /INFO install already done/);
  assert.equal(commands(stock).slice(before), CHECKS);
});

test('Fedora 42 (dnf5): excludes lifted with --setopt=disable_excludes, which dnf5 kept', async () => {
  const stock = await fixture({
    osRelease: FEDORA_42,
    format: 'rpm',
    containerd: '2.1.9',
    env: { STANDIN_DNF_VERSION: '5.2.13.1' },
  });
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.ok(
    commands(stock).includes(
      'dnf install -y --setopt=disable_excludes=kubeseed-kubernetes kubeadm-1.33.2 kubelet-1.33.2 kubectl-1.33.2 cri-tools',
    ),
    commands(stock).join('\n'),
  );
});

test('no containerd on a RHEL-family image → the catalogue’s pinned release, from the site’s mirror of GitHub; a wrong file is refused', async () => {
  const stock = await fixture({ osRelease: ROCKY_9, format: 'rpm', releaseMirror: true });
  const release = CONTAINERD_RELEASES['1.33']!.containerd;
  const path = `/github/containerd/containerd/releases/download/v${release.version}/containerd-static-${release.version}-linux-amd64.tar.gz`;
  stock.server.serve(path, { text: 'not the containerd release\n' });
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 3, result.stdout + result.stderr);
  assert.is(stock.server.requestsFor(path).length, 1);
  assert.match(state(stock).phases.install!.lastError!, new RegExp(`not the pinned ${release.sha256.amd64}`));
  assert.not.ok(exists(stock, '/usr/local/bin/containerd'));
});

test('dnf refusing a package signature → exit 3, the repository and key removed again', async () => {
  const stock = await fixture({ osRelease: ROCKY_9, format: 'rpm', containerd: '2.1.9' });
  control(
    stock,
    'dnf',
    ['fail 1 install'],
    'Public key for kubeadm-1.33.2-150500.1.1.x86_64.rpm is not installed\nError: GPG check FAILED\n',
  );
  const result = await runAgent(stock, ['phase', 'install']);
  assert.is(result.code, 3, result.stdout + result.stderr);
  assert.is(commands(stock).filter((line) => line.startsWith('dnf install')).length, 1, 'not retried');
  assert.not.ok(exists(stock, DNF_REPO_PATH));
  assert.not.ok(exists(stock, DNF_KEY_PATH));
  assert.match(state(stock).phases.install!.lastError!, /GPG check FAILED/);
});

test.run();
