// From "the API server answers" to "every node has called kubeadm join": the real agent
// code, many workers in one process on virtual time (simulated-time.ts) with the
// production retry base of 1 s, each in its own root with the stand-in kubeadm; the
// stand-in API is a real TLS server on loopback. Virtual time makes minutes of waiting
// take milliseconds, and the assertions are about the agent's timing, not this machine's.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../../bootstrap/cli.ts';
import { isClusterNotReady, isConfigError } from '../../bootstrap/kubeadm-failure.ts';
import { ProbeCadence } from '../../bootstrap/probe-cadence.ts';
import { needing } from '../helpers/tools.ts';
import { type ConvergenceResult, runConvergence } from './convergence-scenario.ts';
import { cleanup, commands, findCall, state } from './helpers.ts';

// Only `phase kubeadm` runs here: the PKI (openssl) is all it needs besides the stand-ins.
const test = needing(suite('agent: convergence after the API server answers'), { tools: ['openssl'] });
test.after(cleanup);

const S = 1000;

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((time, index) => time - times[index]!);
}

function node(result: ConvergenceResult, index = 0) {
  const outcome = result.nodes[index]!;
  assert.is(outcome.code, 0, outcome.host.output);
  return outcome;
}

test('probe cadence: first probe within 4 × base, then gaps of 4–7 × base (one probe per 5.5 s on average, none more than 7 s apart)', () => {
  assert.is(new ProbeCadence(1000, () => 0).first(), 0);
  assert.is(new ProbeCadence(1000, () => 0.999).first(), 3996);
  assert.is(new ProbeCadence(1000, () => 0).next(), 4000);
  assert.is(new ProbeCadence(1000, () => 1).next(), 7000);
  const cadence = new ProbeCadence(1000);
  const drawn = Array.from({ length: 2000 }, () => cadence.next());
  assert.ok(Math.min(...drawn) >= 4000 && Math.max(...drawn) <= 7000);
  const mean = drawn.reduce((sum, gap) => sum + gap, 0) / drawn.length;
  assert.ok(mean > 5200 && mean < 5800, `mean gap ${mean} ms`);
});

test('kubeadm failures: "cluster not ready for joins yet" (as kubeadm words it, old and new) is neither a configuration error nor an ordinary failure', () => {
  const unsigned =
    'error execution phase preflight: couldn\'t validate the identity of the API Server: could not find a JWS signature in the cluster-info ConfigMap for token ID "7f3k2q"';
  const older =
    '[discovery] Failed to connect to API Server "10.0.0.10:6443": there is no JWS signed token in the cluster-info ConfigMap. This token id "7f3k2q" is invalid for this cluster, can\'t connect';
  const noConfig =
    'error execution phase preflight: unable to fetch the kubeadm-config ConfigMap: failed to get config map: configmaps "kubeadm-config" not found';
  for (const stderr of [unsigned, older, noConfig]) {
    assert.ok(isClusterNotReady(stderr), stderr);
    assert.not.ok(isConfigError(stderr), stderr);
  }
  assert.not.ok(isClusterNotReady('[ERROR Port-10250]: Port 10250 is in use'));
  assert.not.ok(isClusterNotReady('strict decoding error: unknown field "discovery.bogus"'));
});

test('20 workers (stand-in kubeadm) wait 5 virtual minutes for a TLS API stand-in → each calls kubeadm join within 10 s of it listening, probing at most once per 5 s on average', async () => {
  const result = await runConvergence({ nodes: 20, waitMs: 300 * S });
  for (const [index, { fixture, host }] of result.nodes.entries()) {
    node(result, index);
    assert.is(host.joinCalls.length, 1);
    const late = host.joinCalls[0]! - result.listeningAt;
    assert.ok(late >= 0 && late <= 10 * S, `node ${index} called kubeadm join ${late} ms after the API listened`);
    assert.ok(findCall(fixture, 'kubeadm', 'join'), 'the stand-in kubeadm recorded the join');
    const waiting = host.connectAttempts.filter((at) => at < result.listeningAt);
    assert.ok(waiting[0]! - result.startedAt < 4 * S, 'first probe within 4 s');
    for (const gap of gaps(waiting)) assert.ok(gap >= 4 * S && gap <= 7 * S, `gap ${gap} ms`);
  }
  const probes = result.nodes.reduce(
    (sum, { host }) => sum + host.connectAttempts.filter((at) => at < result.listeningAt).length,
    0,
  );
  assert.ok(probes <= (20 * 300) / 5, `${probes} probes by 20 nodes in 300 s: more than one per node per 5 s`);
  const firsts = result.nodes.map(({ host }) => host.connectAttempts[0]!);
  assert.ok(
    Math.max(...firsts) - Math.min(...firsts) > S,
    'nodes that start together do not all probe in the same second',
  );
  assert.ok(result.handshakes.length >= 20, 'the stand-in completed a TLS handshake with every node');
});

test('status and log of a waiting worker: when it started waiting, when the API server answered, when kubeadm join started', async () => {
  const result = await runConvergence({ nodes: 1, waitMs: 300 * S });
  const { host } = node(result);
  const log = host.output;
  assert.match(log, /INFO kubeadm waiting for the API server at 127\.0\.0\.1:\d+: nothing accepts TCP connections/);
  assert.match(
    log,
    /INFO kubeadm the API server at 127\.0\.0\.1:\d+ answers over TLS verified with the cluster CA \(after 30\d\.\d s\)/,
  );
  assert.match(log, /INFO kubeadm running kubeadm join --config \/etc\/kubeseed\/kubeadm\.yaml/);
  host.printed.length = 0;
  assert.is(await runCli(['status'], host), 0);
  assert.match(host.output, /^API server answered at \S+Z \(after waiting 30\d\.\d s\)$/m);
  assert.match(host.output, /^kubeadm join first started at \S+Z \(\d\.\d s after the API server answered\)$/m);
  assert.match(host.output, /^kubeadm\s+done\s+1\s/m);
});

test('stand-in kubeadm join failing "not ready yet" 6 times (cluster-info unsigned, kubeadm-config missing) → each retry within 5 s, phase done, no configuration error', async () => {
  const result = await runConvergence({
    nodes: 1,
    waitMs: 0,
    kubeadmRules: ['cluster-info-unsigned 3 join', 'kubeadm-config-missing 3 join'],
  });
  const { fixture, host } = node(result);
  assert.is(host.joinCalls.length, 7);
  for (const gap of gaps(host.joinCalls)) assert.ok(gap <= 5 * S, `a not-ready join was retried after ${gap} ms`);
  assert.is(host.output.match(/WARN kubeadm the cluster is not ready for this join yet/g)?.length, 6);
  assert.match(host.output, /could not find a JWS signature in the cluster-info ConfigMap for token ID "7f3k2q"/);
  assert.match(host.output, /configmaps "kubeadm-config" not found/);
  assert.is(commands(fixture).filter((line) => line === 'kubeadm reset -f').length, 6, 'every failed try undone');
  const kubeadm = state(fixture).phases.kubeadm!;
  assert.is(kubeadm.status, 'done');
  assert.is(kubeadm.attempts, 7);
});

test('stand-in kubeadm join failing for a real reason 6 times → capped, jittered backoff as before: the sixth retry waits 15–30 s', async () => {
  const result = await runConvergence({
    nodes: 1,
    waitMs: 0,
    kubeadmRules: ['fail 6 join'],
    kubeadmStderr: '[preflight] Some fatal errors occurred:\n\t[ERROR Port-10250]: Port 10250 is in use\n',
  });
  const { host } = node(result);
  assert.is(host.joinCalls.length, 7);
  const waited = gaps(host.joinCalls);
  const ceilings = [1, 2, 4, 8, 16, 30].map((ceiling) => ceiling * S);
  for (const [index, gap] of waited.entries())
    assert.ok(gap >= ceilings[index]! / 2 && gap <= ceilings[index]!, `retry ${index + 1} after ${gap} ms`);
  assert.not.match(host.output, /not ready for this join/);
});

test.run();
