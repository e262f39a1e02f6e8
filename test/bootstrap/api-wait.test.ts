// A join waits for the API server, as long as it takes, and only a TLS handshake verified
// with the cluster CA counts as "up".

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeHost } from '../../bootstrap/node-host.ts';
import { needing } from '../helpers/tools.ts';
import {
  AGENT_TOOLS,
  cleanup,
  commands,
  findCall,
  freePort,
  killGroup,
  makeBundle,
  makeFixture,
  makePki,
  startAgent,
  startApiServer,
  state,
  waitForOutput,
} from './helpers.ts';

const test = needing(suite('agent: waiting for the API server'), { tools: AGENT_TOOLS });
test.after(cleanup);

test('worker: a real TLS API server that starts listening late → the stand-in kubeadm join waits, then proceeds', async () => {
  const pki = makePki();
  const port = await freePort();
  const fixture = makeFixture(makeBundle('worker', { apiPort: port }));
  const agent = startAgent(fixture, ['run']);
  await waitForOutput(agent, /waiting for the API server at 127\.0\.0\.1:\d+: nothing accepts TCP connections/);
  assert.not.ok(
    commands(fixture).some((line) => line.startsWith('kubeadm join')),
    'no join before the API server is up',
  );
  const listeningSince = Date.now();
  const api = await startApiServer(pki.serverCert, pki.serverKey, port);
  try {
    const result = await agent.done;
    assert.is(result.code, 0, result.stdout + result.stderr);
    const joinCall = findCall(fixture, 'kubeadm', 'join');
    assert.ok(joinCall, 'kubeadm join ran');
    assert.ok(
      statSync(join(joinCall!, 'argv')).mtimeMs >= listeningSince - 5,
      'kubeadm join ran after the API server started listening',
    );
    assert.is(
      result.stdout.match(/waiting for the API server at 127\.0\.0\.1:\d+: nothing accepts TCP connections/g)?.length,
      1,
      'one line per reason, not per try',
    );
    assert.match(result.stdout, /answers over TLS verified with the cluster CA \(after \d+\.\d s\)/);
    assert.is(state(fixture).phases.kubeadm?.status, 'done');
  } finally {
    api.server.close();
  }
});

test('the Host probe: a verified TLS answer (even 403) is up; a certificate from another CA or a closed port is not', async () => {
  const pki = makePki();
  const host = new NodeHost({ root: makeFixture(makeBundle('worker')).root });
  const good = await startApiServer(pki.serverCert, pki.serverKey);
  const stranger = await startApiServer(pki.strangerCert, pki.strangerKey);
  const closed = await freePort();
  try {
    assert.equal(await host.httpsGet(`https://127.0.0.1:${good.port}/readyz`, pki.caCert, 5000), {
      ok: true,
      status: 403,
    });
    const refused = await host.httpsGet(`https://127.0.0.1:${stranger.port}/readyz`, pki.caCert, 5000);
    assert.is(refused.ok, false);
    assert.match(refused.ok ? '' : refused.reason, /certificate/i);
    assert.is(await host.tcpConnect('127.0.0.1', good.port, 2000), true);
    assert.is(await host.tcpConnect('127.0.0.1', closed, 2000), false);
  } finally {
    good.server.close();
    stranger.server.close();
  }
});

test('worker: an endpoint with a foreign certificate keeps the stand-in kubeadm join waiting', async () => {
  const pki = makePki();
  const stranger = await startApiServer(pki.strangerCert, pki.strangerKey);
  try {
    const fixture = makeFixture(makeBundle('worker', { apiPort: stranger.port }));
    const agent = startAgent(fixture, ['run']);
    try {
      await waitForOutput(
        agent,
        /waiting for the API server at 127\.0\.0\.1:\d+: GET https:\/\/127\.0\.0\.1:\d+\/readyz failed: .*certificate/i,
      );
    } finally {
      killGroup(agent.child);
    }
    await agent.done;
    assert.not.ok(commands(fixture).some((line) => line.startsWith('kubeadm join')));
  } finally {
    stranger.server.close();
  }
});

test.run();
