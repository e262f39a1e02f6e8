// The agent against the strict stand-in kubeadm, with no scripted failure: what the stand-in
// refuses comes from the configuration itself, as it would from kubeadm.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  makeBundle,
  makeFixture,
  makePki,
  runAgent,
  startApiServer,
  state,
} from './helpers.ts';

const test = needing(suite('agent with the strict stand-in kubeadm'), { tools: AGENT_TOOLS });
test.after(cleanup);

const INIT = 'kubeadm init --config /etc/kubeseed/kubeadm.yaml';
const JOIN = 'kubeadm join --config /etc/kubeseed/kubeadm.yaml';

test('a bundle whose kubeadm config misspells a field → the strict stand-in refuses it, no retry, phase failed naming the field', async () => {
  const bundle = makeBundle('init');
  // Without archives the images phase (whose `kubeadm config images list` reads the same file) is skipped.
  bundle.images.archives = [];
  bundle.kubeadm.config = bundle.kubeadm.config.replace('  criSocket:', '  criSockett:');
  const fixture = makeFixture(bundle);
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 1, result.stdout);
  assert.match(result.stderr, /kubeadm rejected its configuration \(fix the bundle and rerun\)/);
  assert.match(result.stderr, 'InitConfiguration.nodeRegistration.criSockett: unknown field');
  const ran = commands(fixture);
  assert.is(ran.filter((line) => line === INIT).length, 1, 'not retried');
  assert.is(state(fixture).phases.kubeadm?.status, 'failed');
});

test('a worker bundle whose discovery lost its CA pin → refused before any join succeeds', async () => {
  const api = await startApiServer(makePki().serverCert, makePki().serverKey);
  const bundle = makeBundle('worker', { apiPort: api.port });
  bundle.kubeadm.config = bundle.kubeadm.config.replace(/ {4}caCertHashes:\n( {6}- .*\n)+/, '');
  assert.not.match(bundle.kubeadm.config, 'caCertHashes');
  const fixture = makeFixture(bundle);
  const result = await runAgent(fixture, ['run']).finally(() => api.server.close());
  assert.is(result.code, 1, result.stdout);
  assert.match(result.stderr, 'using token-based discovery without caCertHashes can be unsafe');
  assert.is(commands(fixture).filter((line) => line === JOIN).length, 1, 'not retried');
  assert.is(state(fixture).completedAt, undefined);
});

test('the machine’s stand-in kubeadm package is 1.31.0, the bundle 1.33.2 → preflight stops before any kubeadm init', async () => {
  const fixture = makeFixture(makeBundle('init'), { kubeadmVersion: '1.31.0' });
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 1);
  assert.match(
    result.stderr,
    'kubeadm v1.31.0 cannot install Kubernetes 1.33.2: the machine image needs kubeadm 1.33.x',
  );
  assert.equal(
    commands(fixture).filter((line) => line.startsWith('kubeadm ')),
    ['kubeadm version -o short'],
  );
  assert.is(state(fixture).phases.preflight?.status, 'failed');
});

test.run();
