// A node whose bundle turns the metadata guard off (metadataGuard: false in cluster.yaml,
// issue 12): the real agent with stand-ins skips the phase, says why, installs nothing and
// needs no nft; `status` says the guard is off.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { AGENT_TOOLS, cleanup, commands, exists, makeBundle, makeFixture, runAgent, state } from './helpers.ts';

const test = needing(suite('agent: the metadata guard turned off (stand-in kubeadm)'), { tools: AGENT_TOOLS });
test.after(cleanup);

test('metadataGuard false: the phase is skipped with the reason, no nft runs, nothing is installed, status says off', async () => {
  const bundle = makeBundle('init');
  const fixture = makeFixture({ ...bundle, node: { ...bundle.node, metadataGuard: false } });
  const run = await runAgent(fixture, ['run']);
  assert.is(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    / INFO metadata-guard skipped: turned off for this node \(metadataGuard: false in cluster\.yaml\): its pods can reach 169\.254\.169\.254 and read its user-data$/m,
  );
  assert.is(state(fixture).phases['metadata-guard']?.status, 'skipped');
  assert.ok(state(fixture).completedAt, 'the node still finishes');
  // daemon-reload is no sign here: the maintenance phase runs it on control planes.
  assert.equal(
    commands(fixture).filter((line) => line.startsWith('nft')),
    [],
  );
  for (const path of [
    '/etc/kubeseed/metadata-guard.nft',
    '/etc/systemd/system/kubeseed-metadata-guard.service',
    '/etc/systemd/system/kubelet.service.d/10-kubeseed-metadata-guard.conf',
  ])
    assert.not.ok(exists(fixture, path), path);
  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^metadata-guard\s+skipped\s+0 /m);
  assert.match(status.stdout, /^metadata guard: off \(not installed on this node\)$/m);
});

test.run();
