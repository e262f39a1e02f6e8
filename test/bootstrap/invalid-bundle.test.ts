// An invalid bundle never half-applies: the agent exits non-zero, names every problem,
// runs no command and writes nothing under the root, not even its state or log file.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { needing } from '../helpers/tools.ts';
import { AGENT_TOOLS, cleanup, commands, makeBundle, makeFixture, runAgent, snapshot } from './helpers.ts';

const test = needing(suite('agent: invalid bundle'), { tools: AGENT_TOOLS });
test.after(cleanup);

async function expectNothingWritten(text: string): Promise<{ stderr: string; stdout: string }> {
  const fixture = makeFixture(makeBundle('init'), {}, text);
  const before = snapshot(fixture.root);
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 1);
  assert.equal(snapshot(fixture.root), before, 'nothing written under the root');
  assert.equal(commands(fixture), [], 'no command ran');
  return result;
}

test('a bundle with several mistakes → exit 1, each one named, nothing written', async () => {
  const bundle = makeBundle('worker') as unknown as Record<string, Record<string, unknown>>;
  bundle.cluster!.kubernetesVersion = 'v1.33';
  bundle.node!.role = 'master';
  bundle.runtime!.criSocket = '/run/containerd/containerd.sock';
  bundle.extra = { surprise: true };
  const { stderr } = await expectNothingWritten(stringify(bundle));
  assert.match(stderr, /^error: the node bundle is invalid \(4 problems\)$/m);
  assert.match(stderr, /cluster\.kubernetesVersion: "v1\.33" is not valid; expected MAJOR\.MINOR\.PATCH/);
  assert.match(stderr, /node\.role: "master" is not supported; expected one of: init, control-plane, worker/);
  assert.match(stderr, /runtime\.criSocket: .* expected unix:\/\/\/path/);
  assert.match(stderr, /extra: unknown field/);
});

test('a worker bundle carrying a CA key is refused before anything happens', async () => {
  const bundle = makeBundle('worker');
  const withKey = { ...bundle, pki: makeBundle('init').pki };
  const { stderr } = await expectNothingWritten(stringify(withKey));
  assert.match(stderr, /pki: a worker bundle must not carry PKI files/);
});

test('broken YAML → exit 1 with line:column, nothing written', async () => {
  const { stderr } = await expectNothingWritten(
    'apiVersion: kubeseed.dev/v1alpha1\nkind: NodeBundle\ncluster: [unclosed\n',
  );
  assert.match(stderr, /error: the node bundle is not valid YAML/);
  assert.match(stderr, /\d+:\d+: /);
});

test('no bundle at all → exit 1 naming the path, nothing written', async () => {
  const fixture = makeFixture(makeBundle('init'));
  const before = snapshot(fixture.root);
  const result = await runAgent(fixture, ['run', '--bundle', '/etc/kubeseed/missing.yaml']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /no node bundle at \/etc\/kubeseed\/missing\.yaml/);
  assert.equal(snapshot(fixture.root), before);
});

test.run();
