// containerd from its release files, as the install phase does where the distribution has none
// the minor supports: the catalogue's real pins cannot be downloaded here, so a tarball and a
// runc made in the test take their place, with their own digests pinned the same way.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AgentContext } from '../../bootstrap/context.ts';
import {
  CONTAINERD_UNIT,
  CONTAINERD_UNIT_PATH,
  installContainerdRelease,
} from '../../bootstrap/install/containerd-release.ts';
import { Logger } from '../../bootstrap/log.ts';
import { PHASES } from '../../bootstrap/phases.ts';
import { StateJournal } from '../../bootstrap/state.ts';
import { KubeseedError } from '../../core/errors.ts';
import { BUNDLE_PATH } from '../../core/node-bundle.ts';
import type { ContainerdRelease } from '../../core/package-catalogue.ts';
import { FileServer } from '../helpers/file-server.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  CapturingHost,
  cleanup,
  commands,
  exists,
  file,
  makeBundle,
  makeFixture,
  mode,
  tempDir,
} from './helpers.ts';

const test = needing(
  suite('stock image: containerd from pinned release files (test-made release, stand-in systemctl)'),
  { tools: AGENT_TOOLS },
);
const servers: FileServer[] = [];
test.after(async () => {
  for (const server of servers) await server.close();
  await cleanup();
});

const CONTAINERD_SCRIPT = '#!/bin/sh\necho "containerd github.com/containerd/containerd/v2 v9.9.9 test-release"\n';

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A tarball laid out like containerd-static-*.tar.gz: bin/ and the binaries, plus what is not to be installed. */
function releaseFiles(): { tarball: Buffer; runc: Buffer } {
  const dir = tempDir('kubeseed-release-');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin/containerd'), CONTAINERD_SCRIPT);
  writeFileSync(join(dir, 'bin/ctr'), '#!/bin/sh\necho ctr\n');
  writeFileSync(join(dir, 'bin/containerd-shim-runc-v2'), '#!/bin/sh\necho shim\n');
  writeFileSync(join(dir, 'README.md'), 'not installed\n');
  for (const name of ['containerd', 'ctr', 'containerd-shim-runc-v2']) chmodSync(join(dir, 'bin', name), 0o755);
  execFileSync('tar', ['-czf', join(dir, 'release.tar.gz'), '-C', dir, 'bin', 'README.md']);
  return { tarball: readFileSync(join(dir, 'release.tar.gz')), runc: Buffer.from('#!/bin/sh\necho runc\n') };
}

async function serveRelease(files: { tarball: Buffer; runc: Buffer }, runcSha256 = sha256(files.runc)) {
  const server = new FileServer();
  servers.push(server);
  const base = await server.start();
  server.serve('/containerd.tar.gz', { text: files.tarball });
  server.serve('/runc.amd64', { text: files.runc });
  const release: ContainerdRelease = {
    containerd: {
      version: '9.9.9',
      url: { amd64: `${base}/containerd.tar.gz`, arm64: `${base}/unused` },
      sha256: { amd64: sha256(files.tarball), arm64: '0'.repeat(64) },
    },
    runc: {
      version: '9.9.0',
      url: { amd64: `${base}/runc.amd64`, arm64: `${base}/unused` },
      sha256: { amd64: runcSha256, arm64: '0'.repeat(64) },
    },
  };
  return release;
}

async function phaseContext(host: CapturingHost) {
  const agent = new AgentContext(
    host,
    makeBundle('init'),
    BUNDLE_PATH,
    new Logger(host),
    await StateJournal.open(host),
    PHASES,
  );
  return agent.forPhase('install');
}

test('bin/* into /usr/local/bin (0755), runc into /usr/local/sbin, containerd’s own unit, enabled', async () => {
  const files = releaseFiles();
  const release = await serveRelease(files);
  const fixture = makeFixture(makeBundle('init'));
  const host = new CapturingHost(fixture);
  await installContainerdRelease(await phaseContext(host), release, 'amd64');
  assert.is(file(fixture, '/usr/local/bin/containerd'), CONTAINERD_SCRIPT);
  for (const name of ['containerd', 'ctr', 'containerd-shim-runc-v2'])
    assert.is(mode(fixture, `/usr/local/bin/${name}`), 0o755, name);
  assert.not.ok(exists(fixture, '/usr/local/bin/README.md'));
  assert.is(file(fixture, '/usr/local/sbin/runc'), files.runc.toString());
  assert.is(mode(fixture, '/usr/local/sbin/runc'), 0o755);
  assert.is(file(fixture, CONTAINERD_UNIT_PATH), CONTAINERD_UNIT);
  assert.match(CONTAINERD_UNIT, /^ExecStart=\/usr\/local\/bin\/containerd$/m);
  assert.equal(commands(fixture), ['systemctl daemon-reload', 'systemctl enable containerd.service']);
  assert.not.ok(exists(fixture, '/var/lib/kubeseed/downloads'), 'the downloads are removed');
  assert.match(host.output, /containerd 9\.9\.9 \(amd64\): sha256 [0-9a-f]{64} is the pinned one/);
});

test('a runc whose sha256 is not the pinned one → integrity error; no runc, no unit, nothing enabled', async () => {
  const files = releaseFiles();
  const release = await serveRelease(files, sha256('another runc'));
  const fixture = makeFixture(makeBundle('init'));
  const host = new CapturingHost(fixture);
  try {
    await installContainerdRelease(await phaseContext(host), release, 'amd64');
    assert.unreachable('installed a runc that does not match its pin');
  } catch (error) {
    assert.instance(error, KubeseedError);
    assert.is((error as KubeseedError).code, 'integrity');
    assert.match(
      (error as KubeseedError).message,
      `not the pinned ${sha256('another runc')}: runc 9.9.0 (amd64) was not installed`,
    );
  }
  assert.not.ok(exists(fixture, '/usr/local/sbin/runc'));
  assert.not.ok(exists(fixture, '/usr/local/bin/containerd'));
  assert.not.ok(exists(fixture, CONTAINERD_UNIT_PATH));
  assert.equal(commands(fixture), []);
});

test.run();
