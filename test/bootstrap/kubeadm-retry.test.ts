// kubeadm's failures: a transient one is reset and retried with backoff, success is
// recorded once; a configuration kubeadm rejects is not retried.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  control,
  file,
  makeBundle,
  makeFixture,
  makePki,
  runAgent,
  state,
} from './helpers.ts';

const test = needing(suite('agent: kubeadm retries'), { tools: AGENT_TOOLS });
test.after(cleanup);

const INIT = 'kubeadm init --config /etc/kubeseed/kubeadm.yaml';

test('init node: stand-in kubeadm init fails twice then succeeds → reset -f between tries, success recorded once', async () => {
  const fixture = makeFixture(makeBundle('init'));
  control(fixture, 'kubeadm', ['fail 2 init'], '[wait-control-plane] the API server did not become healthy\n');
  control(fixture, 'kubectl', ['fail 1 apply'], 'The connection to the server 127.0.0.1:6443 was refused\n');
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 0, result.stdout + result.stderr);

  const ran = commands(fixture);
  assert.equal(ran.slice(ran.indexOf('systemctl enable kubelet.service')), [
    'systemctl enable kubelet.service',
    INIT,
    'kubeadm reset -f',
    INIT,
    'kubeadm reset -f',
    INIT,
    'kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f /etc/kubeseed/addons/flannel.yaml',
    'kubectl --kubeconfig /etc/kubernetes/admin.conf apply -f /etc/kubeseed/addons/flannel.yaml',
    'systemctl daemon-reload',
    'systemctl enable --now kubeseed-cert-renewal.timer kubeseed-etcd-snapshot.timer',
  ]);
  // kubeadm reset deletes /etc/kubernetes/pki: the shared CA must be back before each try (the stand-in checks it).
  assert.is(file(fixture, '/etc/kubernetes/pki/ca.key'), makePki().caKey);

  const kubeadm = state(fixture).phases.kubeadm!;
  assert.is(kubeadm.status, 'done');
  assert.is(kubeadm.attempts, 3);
  assert.match(
    kubeadm.lastError ?? '',
    /`kubeadm init --config \/etc\/kubeseed\/kubeadm\.yaml` exited with code 1: \[wait-control-plane\]/,
  );
  assert.is(state(fixture).phases.addons?.attempts, 2);

  const log = file(fixture, '/var/log/kubeseed-boot.log');
  assert.is(log.match(/ INFO kubeadm done in /g)?.length, 1, 'success logged once');
  assert.is(log.match(/ WARN kubeadm .*trying again in \d+\.\d s/g)?.length, 2);
  assert.ok(state(fixture).completedAt);
});

test('stand-in kubeadm rejecting its configuration ("unknown field") → no retry, phase failed with the message, exit 1', async () => {
  const fixture = makeFixture(makeBundle('init'));
  control(
    fixture,
    'kubeadm',
    ['fail 5 init'],
    'W1129 10:00:00.000000 strict decoding error: unknown field "nodeRegistration.bogus"\n',
  );
  const result = await runAgent(fixture, ['run']);
  assert.is(result.code, 1);
  assert.match(
    result.stderr,
    /kubeadm rejected its configuration \(fix the bundle and rerun\).*unknown field "nodeRegistration\.bogus"/,
  );
  const ran = commands(fixture);
  assert.is(ran.filter((line) => line === INIT).length, 1, 'not retried');
  assert.is(ran.at(-1), 'kubeadm reset -f', 'the failed try is undone');
  const recorded = state(fixture);
  assert.is(recorded.phases.kubeadm?.status, 'failed');
  assert.match(recorded.phases.kubeadm?.lastError ?? '', /unknown field/);
  assert.is(recorded.phases.addons, undefined, 'nothing after the failed phase ran');
  assert.is(recorded.completedAt, undefined, 'no success recorded on failure');

  const status = await runAgent(fixture, ['status']);
  assert.match(status.stdout, /^kubeadm\s+failed\s+1\s+\S+ \(\d+\.\d s\)\s+kubeadm rejected its configuration/m);
  assert.match(status.stdout, /not bootstrapped yet/);
});

test.run();
