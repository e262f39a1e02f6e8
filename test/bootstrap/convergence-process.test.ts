// The convergence path in whole agent processes (`kubeseed-boot run`, retry base 5 ms):
// workers wait behind an endpoint that accepts TCP but has no TLS server yet, join once it
// answers, retry a join the cluster was not ready for, and say so in their log and status.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { needing } from '../helpers/tools.ts';
import { startStagedEndpoint } from './convergence-scenario.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  control,
  findCall,
  killGroup,
  makeBundle,
  makeFixture,
  runAgent,
  startAgent,
  state,
  waitFor,
} from './helpers.ts';

const test = needing(suite('agent: convergence in whole processes'), { tools: AGENT_TOOLS });
test.after(cleanup);

const JOIN = 'kubeadm join --config /etc/kubeseed/kubeadm.yaml';

test('3 workers as processes (stand-in kubeadm, stand-in endpoint): no join while the endpoint drops connections; once it answers over TLS each joins, a not-ready join is retried, status shows when', async () => {
  const endpoint = await startStagedEndpoint();
  const agents = [1, 2, 3].map(() => {
    const fixture = makeFixture(makeBundle('worker', { apiPort: endpoint.port }));
    control(fixture, 'kubeadm', ['cluster-info-unsigned 1 join', 'kubeadm-config-missing 1 join']);
    const { child, done } = startAgent(fixture, ['run']);
    const agent = { fixture, child, done, stdout: '' };
    child.stdout?.on('data', (chunk: Buffer) => (agent.stdout += chunk.toString()));
    return agent;
  });
  try {
    const waiting = await waitFor(
      () => agents.every(({ stdout }) => stdout.includes('waiting for the API server')),
      120_000,
      20,
    );
    assert.ok(
      waiting,
      `every agent waits for the API server; seen:\n${agents.map(({ stdout }) => stdout).join('\n---\n')}`,
    );
    assert.ok(
      await waitFor(() => endpoint.droppedHandshakes.length >= 3, 60_000, 20),
      'the endpoint saw TLS handshake attempts',
    );
    for (const { fixture } of agents)
      assert.not.ok(commands(fixture).includes(JOIN), 'no join before the endpoint answers over TLS');

    const answeredAt = endpoint.answer();
    const timer = setTimeout(() => {
      for (const { child } of agents) killGroup(child);
    }, 120_000);
    const results = await Promise.all(agents.map(({ done }) => done));
    clearTimeout(timer);

    for (const [index, { fixture }] of agents.entries()) {
      const result = results[index]!;
      assert.is(result.code, 0, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        /waiting for the API server at 127\.0\.0\.1:\d+: GET https:\/\/127\.0\.0\.1:\d+\/readyz failed: /,
      );
      assert.is(result.stdout.match(/WARN kubeadm the cluster is not ready for this join yet/g)?.length, 2);
      assert.not.match(result.stdout, /rejected its configuration/);
      assert.is(commands(fixture).filter((line) => line === JOIN).length, 3);
      // File times and Date.now() come from different clocks' roundings: a few ms of slack.
      const firstJoin = statSync(join(findCall(fixture, 'kubeadm', 'join')!, 'argv')).mtimeMs;
      assert.ok(firstJoin >= answeredAt - 5, 'the first join came after the endpoint answered');
      assert.is(state(fixture).phases.kubeadm?.status, 'done');

      const status = await runAgent(fixture, ['status']);
      assert.is(status.code, 0, status.stderr);
      assert.match(status.stdout, /^API server answered at \S+Z \(after waiting \d+\.\d s\)$/m);
      assert.match(status.stdout, /^kubeadm join first started at \S+Z \(\d+\.\d s after the API server answered\)$/m);
    }
    assert.ok(endpoint.handshakes.length >= 3, 'each agent completed a TLS handshake once the endpoint answered');
  } finally {
    for (const { child } of agents) killGroup(child);
    await endpoint.close();
  }
});

test.run();
